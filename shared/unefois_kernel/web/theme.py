"""The operator's brand: name, logo, colours and links, set per deployment and checked at start-up.

unefois is run by pooling platforms (GIP, syndicats mixtes), each with its own brand, for
the local authorities that are its members. The look of every page comes from Bootstrap
5.3 (MIT, any organisation may use it), whose design tokens are CSS custom properties:
the theme sets them, so branding needs no rebuild of the CSS.

A theme is a TOML file (`UNEFOIS_THEME`: the name of a theme shipped in `themes/`, or the
path of a file of the operator's own)::

    name = "Syndicat mixte Démo-Numérique"     # shown in the header and the footer
    short_name = "Démo-Numérique"              # <title>, narrow screens
    tagline = "Achats publics, saisis une seule fois"
    logo = "logo.svg"                          # SVG or PNG, relative to this file
    logo_alt = "Syndicat mixte Démo-Numérique"
    accessibility_status = "partiellement conforme"   # RGAA mention in the footer

    [colors]                # #rrggbb; the optional ones have defaults
    primary = "#1d4f91"     # links, primary buttons, current navigation item
    secondary = "#3d4a5c"   # the navigation band
    background = "#ffffff"
    text = "#1e1e1e"
    focus = "#b34700"       # the focus ring
    # on_primary, on_secondary (text on those colours), muted (hints), danger, success

    [contact]
    email = "support@example.org"
    url = "https://example.org/contact"

    [[links]]               # the operator's links in the footer
    label = "Le syndicat"
    url = "https://example.org"

Every pair of colours the pages use is checked against WCAG 2.2 AA (1.4.3: 4.5:1 for text,
1.4.11: 3:1 for the focus ring and other non-text UI parts); a theme that fails any is
refused at start-up with the pair and its ratio (`ThemeError`).
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

THEME_ENV = "UNEFOIS_THEME"
DEFAULT_THEME = "neutre"
THEMES_DIR = Path(__file__).parent / "themes"

TEXT_CONTRAST = 4.5  # WCAG 2.2 SC 1.4.3, normal text
UI_CONTRAST = 3.0  # WCAG 2.2 SC 1.4.11, user-interface components and graphical objects

_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
LOGO_TYPES = {".svg": "image/svg+xml", ".png": "image/png"}
MAX_LOGO_BYTES = 512 * 1024

_DEFAULT_COLORS = {
    "on_primary": "#ffffff",
    "on_secondary": "#ffffff",
    "muted": "#595959",
    "danger": "#b3261e",
    "success": "#17693a",
}
REQUIRED_COLORS = ("primary", "secondary", "background", "text", "focus")

# (foreground, background, minimum ratio, what a person sees): every pair the layout uses.
CONTRAST_PAIRS: tuple[tuple[str, str, float, str], ...] = (
    ("text", "background", TEXT_CONTRAST, "texte courant sur le fond"),
    ("muted", "background", TEXT_CONTRAST, "aides et mentions sur le fond"),
    ("primary", "background", TEXT_CONTRAST, "liens et boutons secondaires sur le fond"),
    ("on_primary", "primary", TEXT_CONTRAST, "texte des boutons principaux"),
    ("on_secondary", "secondary", TEXT_CONTRAST, "texte du bandeau de navigation"),
    ("danger", "background", TEXT_CONTRAST, "messages d’erreur sur le fond"),
    ("success", "background", TEXT_CONTRAST, "messages de réussite sur le fond"),
    ("focus", "background", UI_CONTRAST, "contour du focus clavier sur le fond"),
    # The ring is drawn 2px outside the element, on the background; in the navigation band
    # it is drawn in on_secondary (checked against secondary above).
)


class ThemeError(ValueError):
    """A theme that cannot be used: the message names the setting and why."""


@dataclass(frozen=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True)
class Theme:
    name: str
    short_name: str
    tagline: str
    colors: dict[str, str]
    logo_path: Path | None = None
    logo_alt: str = ""
    accessibility_status: str = "non conforme"
    contact_email: str = ""
    contact_url: str = ""
    links: tuple[Link, ...] = ()
    source: str = ""
    digest: str = field(default="", compare=False)

    @property
    def logo_type(self) -> str | None:
        return LOGO_TYPES.get(self.logo_path.suffix.lower()) if self.logo_path else None

    def css(self) -> str:
        return theme_css(self)


# ---------------------------------------------------------------- contrast (WCAG 2.2)


def _channel(value: int) -> float:
    # WCAG 2.2 definition of relative luminance (sRGB); 0.04045 as in the sRGB standard.
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def relative_luminance(color: str) -> float:
    r, g, b = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast_ratio(foreground: str, background: str) -> float:
    """(L1 + 0.05) / (L2 + 0.05), L1 the lighter: 1.0 to 21.0."""
    a, b = relative_luminance(foreground), relative_luminance(background)
    lighter, darker = max(a, b), min(a, b)
    return (lighter + 0.05) / (darker + 0.05)


@dataclass(frozen=True)
class ContrastFailure:
    foreground: str
    background: str
    ratio: float
    minimum: float
    what: str

    def __str__(self) -> str:
        return (f"colors.{self.foreground} on colors.{self.background} ({self.what}): contrast "
                f"{self.ratio:.2f}:1, below the {self.minimum:g}:1 WCAG 2.2 AA requires")


def contrast_failures(colors: dict[str, str]) -> list[ContrastFailure]:
    failures = []
    for foreground, background, minimum, what in CONTRAST_PAIRS:
        ratio = contrast_ratio(colors[foreground], colors[background])
        # Rounded down to 2 decimals, as checkers print it: 4.499 is not 4.5.
        if int(ratio * 100) / 100 < minimum:
            failures.append(ContrastFailure(foreground, background, ratio, minimum, what))
    return failures


# ---------------------------------------------------------------- loading


def _text(data: dict, key: str, source: str, *, required: bool = True, default: str = "", limit: int = 200) -> str:
    value = data.get(key, default)
    if not isinstance(value, str) or (required and not value.strip()):
        raise ThemeError(f"theme {source}: {key} must be a non-empty string")
    if len(value) > limit:
        raise ThemeError(f"theme {source}: {key} is longer than {limit} characters")
    return value.strip()


def _colors(data: dict, source: str) -> dict[str, str]:
    raw = data.get("colors")
    if not isinstance(raw, dict):
        raise ThemeError(f"theme {source}: the [colors] table is missing")
    unknown = set(raw) - set(REQUIRED_COLORS) - set(_DEFAULT_COLORS)
    if unknown:
        raise ThemeError(f"theme {source}: unknown colors {', '.join(sorted(unknown))}")
    colors = dict(_DEFAULT_COLORS)
    for name in REQUIRED_COLORS:
        if name not in raw:
            raise ThemeError(f"theme {source}: colors.{name} is missing")
    for name, value in raw.items():
        if not isinstance(value, str) or not _HEX.match(value):
            raise ThemeError(f"theme {source}: colors.{name} must be a #rrggbb colour, not {value!r}")
        colors[name] = value.lower()
    return colors


def _logo(data: dict, base: Path, source: str) -> Path | None:
    logo = data.get("logo")
    if logo in (None, ""):
        return None
    path = (base / str(logo)).resolve()
    if path.suffix.lower() not in LOGO_TYPES:
        raise ThemeError(f"theme {source}: logo must be an SVG or PNG file, not {path.name}")
    if not path.is_file():
        raise ThemeError(f"theme {source}: logo {path} not found")
    if path.stat().st_size > MAX_LOGO_BYTES:
        raise ThemeError(f"theme {source}: logo {path.name} is larger than {MAX_LOGO_BYTES // 1024} KiB")
    head = path.read_bytes()[:512]
    is_png = head.startswith(b"\x89PNG\r\n\x1a\n")
    if (path.suffix.lower() == ".png") != is_png or (not is_png and b"<svg" not in path.read_bytes()[:4096]):
        raise ThemeError(f"theme {source}: logo {path.name} is not the {path.suffix.lstrip('.').upper()} file its name says")
    return path


def _url(value: str, what: str, source: str) -> str:
    if value and not (value.startswith(("https://", "http://", "mailto:", "/"))):
        raise ThemeError(f"theme {source}: {what} must be an http(s) URL or a path, not {value!r}")
    return value


def parse_theme(data: dict, *, base: Path, source: str) -> Theme:
    """A Theme from the TOML table, checked (fields, logo, contrast); ThemeError otherwise."""
    colors = _colors(data, source)
    failures = contrast_failures(colors)
    if failures:
        raise ThemeError(f"theme {source} refused: " + "; ".join(str(f) for f in failures))
    contact = data.get("contact") or {}
    links = []
    for index, link in enumerate(data.get("links") or []):
        if not isinstance(link, dict):
            raise ThemeError(f"theme {source}: links[{index}] must be a table with label and url")
        links.append(Link(_text(link, "label", source, limit=80),
                          _url(_text(link, "url", source, limit=500), f"links[{index}].url", source)))
    name = _text(data, "name", source)
    theme = Theme(
        name=name,
        short_name=_text(data, "short_name", source, required=False, default=name, limit=40) or name,
        tagline=_text(data, "tagline", source, required=False),
        colors=colors,
        logo_path=_logo(data, base, source),
        logo_alt=_text(data, "logo_alt", source, required=False, default=name),
        accessibility_status=_text(data, "accessibility_status", source, required=False, default="non conforme"),
        contact_email=_text(contact, "email", source, required=False),
        contact_url=_url(_text(contact, "url", source, required=False, limit=500), "contact.url", source),
        links=tuple(links),
        source=source,
    )
    digest = hashlib.sha256(theme_css(theme).encode() + (theme.logo_path.read_bytes() if theme.logo_path else b""))
    return Theme(**{**theme.__dict__, "digest": digest.hexdigest()[:16]})


def theme_file(name_or_path: str) -> Path:
    if name_or_path.endswith(".toml") or os.sep in name_or_path:
        return Path(name_or_path).expanduser()
    path = THEMES_DIR / f"{name_or_path}.toml"
    if not path.is_file():
        shipped = ", ".join(sorted(p.stem for p in THEMES_DIR.glob("*.toml")))
        raise ThemeError(f"{THEME_ENV}={name_or_path!r}: no such theme (shipped themes: {shipped}; or give a .toml path)")
    return path


def load_theme(name_or_path: str | None = None) -> Theme:
    """The theme named (or UNEFOIS_THEME, or the neutral default), checked."""
    chosen = name_or_path or os.environ.get(THEME_ENV) or DEFAULT_THEME
    path = theme_file(chosen)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ThemeError(f"theme {path}: cannot be read ({error.strerror})") from None
    except tomllib.TOMLDecodeError as error:
        raise ThemeError(f"theme {path}: not valid TOML ({error})") from None
    return parse_theme(data, base=path.parent, source=str(path))


@cache
def deployment_theme() -> Theme:
    """The deployment's theme, loaded once per process (UNEFOIS_THEME)."""
    return load_theme()


# ---------------------------------------------------------------- the tokens


def _rgb(color: str) -> str:
    return ", ".join(str(int(color[i:i + 2], 16)) for i in (1, 3, 5))


def _mix(color: str, other: str, share: float) -> str:
    """color blended with `share` of other (for hover and subtle backgrounds)."""
    parts = [round(int(color[i:i + 2], 16) * (1 - share) + int(other[i:i + 2], 16) * share) for i in (1, 3, 5)]
    return "#" + "".join(f"{p:02x}" for p in parts)


def theme_css(theme: Theme) -> str:
    """The theme as Bootstrap 5.3 custom properties (plus --unefois-* for the layout glue)."""
    c = theme.colors
    primary_hover = _mix(c["primary"], c["text"], 0.2)
    lines = [
        f"/* Theme: {theme.name} ({Path(theme.source).name if theme.source else 'inline'}). Generated; do not edit. */",
        ":root, [data-bs-theme=light] {",
        f"  --unefois-primary: {c['primary']};",
        f"  --unefois-on-primary: {c['on_primary']};",
        f"  --unefois-primary-hover: {primary_hover};",
        f"  --unefois-primary-subtle: {_mix(c['primary'], c['background'], 0.9)};",
        f"  --unefois-secondary: {c['secondary']};",
        f"  --unefois-on-secondary: {c['on_secondary']};",
        f"  --unefois-focus: {c['focus']};",
        f"  --unefois-muted: {c['muted']};",
        f"  --bs-primary: {c['primary']};",
        f"  --bs-primary-rgb: {_rgb(c['primary'])};",
        f"  --bs-primary-text-emphasis: {primary_hover};",
        f"  --bs-primary-bg-subtle: {_mix(c['primary'], c['background'], 0.88)};",
        f"  --bs-primary-border-subtle: {_mix(c['primary'], c['background'], 0.6)};",
        f"  --bs-secondary: {c['secondary']};",
        f"  --bs-secondary-rgb: {_rgb(c['secondary'])};",
        f"  --bs-body-bg: {c['background']};",
        f"  --bs-body-bg-rgb: {_rgb(c['background'])};",
        f"  --bs-body-color: {c['text']};",
        f"  --bs-body-color-rgb: {_rgb(c['text'])};",
        f"  --bs-emphasis-color: {c['text']};",
        f"  --bs-secondary-color: {c['muted']};",
        f"  --bs-heading-color: {c['text']};",
        f"  --bs-link-color: {c['primary']};",
        f"  --bs-link-color-rgb: {_rgb(c['primary'])};",
        f"  --bs-link-hover-color: {primary_hover};",
        f"  --bs-link-hover-color-rgb: {_rgb(primary_hover)};",
        f"  --bs-focus-ring-color: {c['focus']};",
        f"  --bs-danger: {c['danger']};",
        f"  --bs-danger-rgb: {_rgb(c['danger'])};",
        f"  --bs-danger-text-emphasis: {c['danger']};",
        f"  --bs-form-invalid-color: {c['danger']};",
        f"  --bs-form-invalid-border-color: {c['danger']};",
        f"  --bs-success: {c['success']};",
        f"  --bs-success-rgb: {_rgb(c['success'])};",
        f"  --bs-success-text-emphasis: {c['success']};",
        f"  --bs-form-valid-color: {c['success']};",
        f"  --bs-form-valid-border-color: {c['success']};",
        "}",
    ]
    return "\n".join(lines) + "\n"


def logo_media_type(theme: Theme) -> str:
    return theme.logo_type or mimetypes.guess_type(str(theme.logo_path))[0] or "application/octet-stream"
