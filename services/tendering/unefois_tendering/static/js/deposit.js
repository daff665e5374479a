// The bid deposit page (bids/web.py, templates/bids/deposit.html): everything is sealed here,
// in the supplier's browser, for the consultation's public key, before it is sent.
//  1. the bid form (price HT as a decimal string, bidder and grouping, subcontracting, variant)
//     as JSON, then each file, sealed chunk by chunk with sealed-bid.js (a progress bar per file);
//  2. the deposit API: POST /api/consultations/{id}/deposits (begun, server timestamp), one
//     POST /api/deposits/{id}/parts?role=... per sealed part (upload progress), then
//     POST /api/deposits/{id}/complete; then the receipt's page.
import { sealChunks } from "/static/tendering/js/sealed-bid.js";

const form = document.getElementById("depot");
const errorBox = document.getElementById("depot-erreur");

/** "12 345,67" or "12345.67" -> "12345.67"; null when it is not an amount (as bids.domain.parse_french_amount). */
export function parseFrenchAmount(text) {
  let cleaned = (text || "").replace(/[\s\u00a0\u202f€]/g, "");
  if (cleaned.includes(",")) cleaned = cleaned.replace(/\./g, "").replace(",", ".");
  if (!/^\d{1,13}(\.\d{1,2})?$/.test(cleaned)) return null;
  const [units, cents = ""] = cleaned.split(".");
  return `${BigInt(units).toString()}.${cents.padEnd(2, "0")}`;
}

function csrfToken() {
  const field = form.querySelector('input[name="csrf_token"]');
  return field ? field.value : "";
}

function fieldError(name, message) {
  const input = form.querySelector(`[name="${name}"]`);
  const messages = document.getElementById(`${input.id}-messages`);
  input.classList.toggle("is-invalid", Boolean(message));
  if (message) input.setAttribute("aria-invalid", "true"); else input.removeAttribute("aria-invalid");
  messages.replaceChildren();
  if (message) {
    const p = document.createElement("p");
    p.className = "invalid-feedback d-block mb-0";
    p.textContent = message;
    messages.append(p);
  }
  return !message;
}

function showError(message) {
  errorBox.replaceChildren();
  const p = document.createElement("p");
  p.className = "mb-0";
  p.textContent = message;
  errorBox.append(p);
  errorBox.className = "alert unefois-alert alert-danger";
  errorBox.hidden = false;
  errorBox.focus();
}

async function problem(response) {
  try {
    const body = await response.json();
    if (body.errors && body.errors.length) return body.errors.map((e) => e.message || e.reason || e.field).join(" ; ");
    return body.detail || body.title || `Erreur ${response.status}`;
  } catch {
    return `Erreur ${response.status} du serveur.`;
  }
}

async function api(method, url, body) {
  const response = await fetch(url, {
    method, credentials: "same-origin",
    headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": csrfToken() },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(await problem(response));
  return response.json();
}

function progressItem(label) {
  const list = document.getElementById("avancement");
  if (list.dataset.started !== "yes") { list.replaceChildren(); list.dataset.started = "yes"; }
  const item = document.createElement("li");
  const id = `avancement-${list.children.length + 1}`;
  const text = document.createElement("label");
  text.htmlFor = id;
  text.textContent = `${label} : en attente`;
  const bar = document.createElement("progress");
  bar.id = id;
  bar.max = 100;
  bar.value = 0;
  item.append(text, bar);
  list.append(item);
  return {
    set(percent, state) {
      bar.value = percent;
      text.textContent = `${label} : ${state} (${Math.round(percent)} %)`;
    },
  };
}

function upload(url, blob, filename, onProgress) {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("POST", url);
    request.withCredentials = true;
    request.setRequestHeader("Content-Type", "application/octet-stream");
    request.setRequestHeader("Accept", "application/json");
    request.setRequestHeader("X-CSRF-Token", csrfToken());
    request.setRequestHeader("Content-Disposition", `attachment; filename*=UTF-8''${encodeURIComponent(filename)}`);
    request.upload.onprogress = (event) => { if (event.lengthComputable) onProgress(event.loaded / event.total); };
    request.onload = () => {
      if (request.status >= 200 && request.status < 300) { resolve(JSON.parse(request.responseText)); return; }
      let message = `Erreur ${request.status} du serveur.`;
      try { const body = JSON.parse(request.responseText); message = body.detail || message; } catch { /* keep */ }
      reject(new Error(message));
    };
    request.onerror = () => reject(new Error("La connexion a été interrompue pendant l’envoi : recommencez le dépôt."));
    request.send(blob);
  });
}

async function sealAndSend(jwk, depositId, role, blob, filename, label) {
  const item = progressItem(label);
  const parts = [];
  for await (const piece of sealChunks(jwk, blob, (done, total) => item.set(total ? (done / total) * 50 : 50, "chiffrement"))) {
    parts.push(piece);
  }
  const sealed = new Blob(parts, { type: "application/octet-stream" });
  item.set(50, "envoi");
  await upload(`/api/deposits/${depositId}/parts?role=${role}`, sealed, filename, (ratio) => item.set(50 + ratio * 50, "envoi"));
  item.set(100, "chiffré et reçu");
}

function bidForm(lotNumber, price) {
  const data = new FormData(form);
  const grouping = data.get("grouping") || "none";
  const members = [{ name: data.get("member_name_0").trim(), identifier_type: data.get("member_type_0"),
                     identifier: data.get("member_id_0").replace(/\s/g, ""), mandataire: true }];
  if (grouping !== "none") {
    for (const index of [1, 2]) {
      const name = (data.get(`member_name_${index}`) || "").trim();
      if (name) members.push({ name, identifier_type: data.get(`member_type_${index}`),
                               identifier: (data.get(`member_id_${index}`) || "").replace(/\s/g, ""), mandataire: false });
    }
  }
  const subcontracting = data.get("subcontracting") === "yes";
  return {
    format: "unefois.bid-form.v1", lot_number: lotNumber, price_excl_tax: price, grouping, members,
    subcontracting, subcontracted_amount: subcontracting ? parseFrenchAmount(data.get("subcontracted_amount")) : null,
    variant: data.get("variant") === "on",
  };
}

function validate() {
  const data = new FormData(form);
  let ok = true;
  const lot = form.querySelector('select[name="lot_number"]');
  if (lot) ok = fieldError("lot_number", lot.value ? null : "Choisissez le lot de votre offre.") && ok;
  const price = parseFrenchAmount(data.get("price"));
  ok = fieldError("price", price ? null : "Indiquez un prix HT en euros, par exemple 12 345,67.") && ok;
  ok = fieldError("member_name_0", data.get("member_name_0").trim() ? null : "Indiquez la raison sociale.") && ok;
  const siret = data.get("member_id_0").replace(/\s/g, "");
  const siretWrong = data.get("member_type_0") === "SIRET" && !/^\d{14}$/.test(siret);
  ok = fieldError("member_id_0", !siret ? "Indiquez l’identifiant." : siretWrong ? "Un SIRET compte 14 chiffres." : null) && ok;
  if (data.get("subcontracting") === "yes") {
    ok = fieldError("subcontracted_amount", parseFrenchAmount(data.get("subcontracted_amount")) ? null
      : "Indiquez le montant HT sous-traité, par exemple 2 500,00.") && ok;
  } else {
    fieldError("subcontracted_amount", null);
  }
  if (data.get("grouping") !== "none" && !(data.get("member_name_1") || "").trim()) {
    ok = fieldError("member_name_1", "Un groupement compte au moins un autre membre.") && ok;
  } else {
    fieldError("member_name_1", null);
  }
  return ok ? { lotNumber: lot ? Number(lot.value) : null, price } : null;
}

function toggleMembers() {
  const grouping = new FormData(form).get("grouping");
  document.getElementById("membres").hidden = grouping === "none";
}

async function submit(event) {
  event.preventDefault();
  errorBox.hidden = true;
  const checked = validate();
  if (!checked) {
    const first = form.querySelector('[aria-invalid="true"]');
    if (first) first.focus();
    return;
  }
  const button = document.getElementById("deposer");
  button.disabled = true;
  const consultation = form.dataset.consultation;
  try {
    const key = await api("GET", `/api/consultations/${consultation}/public-key`);
    const backup = form.querySelector('input[name="backup"]').checked;
    const deposit = await api("POST", `/api/consultations/${consultation}/deposits`, { lot_number: checked.lotNumber, backup });
    const formJson = new Blob([JSON.stringify(bidForm(checked.lotNumber, checked.price))], { type: "application/json" });
    await sealAndSend(key.public_key_jwk, deposit.id, "bid_form", formJson, "formulaire-offre.json", "Formulaire d’offre (prix)");
    const files = [["price_schedule", "price_schedule"], ["candidate_documents", "candidate_document"], ["bid_documents", "bid_document"]];
    for (const [name, role] of files) {
      for (const file of form.querySelector(`input[name="${name}"]`).files) {
        await sealAndSend(key.public_key_jwk, deposit.id, role, file, file.name, file.name);
      }
    }
    const done = await api("POST", `/api/deposits/${deposit.id}/complete`);
    window.location.assign(`/mes-depots/${done.id}?message=depose`);
  } catch (error) {
    showError(error.message);
    button.disabled = false;
  }
}

if (form) {
  form.addEventListener("submit", submit);
  form.addEventListener("change", toggleMembers);
  toggleMembers();
}
