"""Per-service settings: a service declares its own fields on a ServiceSettings subclass
(ServiceDefinition.settings); they are read from UNEFOIS_<SERVICE>_<FIELD> like the kernel's."""

from __future__ import annotations

import pytest
from pydantic import Field, ValidationError

from unefois_kernel.app import ServiceDefinition, ServiceRuntime
from unefois_kernel.settings import ServiceSettings, load_settings


class TenderingSettings(ServiceSettings):
    bid_max_upload_mib: int = Field(default=50, ge=1)


def test_a_service_reads_its_own_fields_under_its_prefix(monkeypatch) -> None:
    monkeypatch.setenv("UNEFOIS_TENDERING_DATABASE_URL", "postgresql://tendering@db/tendering")
    monkeypatch.setenv("UNEFOIS_TENDERING_BID_MAX_UPLOAD_MIB", "200")
    monkeypatch.setenv("UNEFOIS_CONTRACTS_BID_MAX_UPLOAD_MIB", "1")  # another service's: ignored
    settings = load_settings("tendering", settings_class=TenderingSettings)
    assert isinstance(settings, TenderingSettings)
    assert (settings.service_name, settings.database_url, settings.bid_max_upload_mib) == (
        "tendering", "postgresql://tendering@db/tendering", 200)


def test_a_bad_value_names_the_variable_field(monkeypatch) -> None:
    monkeypatch.setenv("UNEFOIS_TENDERING_DATABASE_URL", "postgresql://x")
    monkeypatch.setenv("UNEFOIS_TENDERING_BID_MAX_UPLOAD_MIB", "0")
    with pytest.raises(ValidationError, match="bid_max_upload_mib"):
        load_settings("tendering", settings_class=TenderingSettings)


def test_the_definition_names_the_class_the_runtime_is_given() -> None:
    definition = ServiceDefinition(name="tendering", package="unefois_tendering", title="t", settings=TenderingSettings)
    assert definition.settings is TenderingSettings
    assert ServiceDefinition(name="x", package="x", title="x").settings is ServiceSettings
    runtime = ServiceRuntime(definition, TenderingSettings(service_name="tendering", database_url="postgresql://x"))
    assert runtime.settings.bid_max_upload_mib == 50
