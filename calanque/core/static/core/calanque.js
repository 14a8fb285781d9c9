// Small progressive enhancements; every page works without them.
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-calanque-print]")) {
    window.print();
  }
});

// Password strength, while typing: length first (NIST SP 800-63B), then
// variety. The server applies the real policy (common passwords, names).
(() => {
  const input = document.querySelector("[data-calanque-strength]");
  const out = document.getElementById("force-mot-de-passe");
  if (!input || !out) return;
  const minimum = parseInt(input.dataset.minLength || "12", 10);
  const french = document.documentElement.lang !== "en";
  const labels = french
    ? ["Trop court", "Faible", "Moyen", "Fort", "Très fort"]
    : ["Too short", "Weak", "Fair", "Strong", "Very strong"];
  input.addEventListener("input", () => {
    const value = input.value;
    out.hidden = value.length === 0;
    const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((r) => r.test(value)).length;
    const words = value.trim().split(/\s+/).length;
    let score = 0;
    if (value.length >= minimum) {
      score = 1 + (value.length >= minimum + 4) + (classes >= 3 || words >= 4) + (value.length >= 20);
    }
    out.textContent = (french ? "Robustesse : " : "Strength: ") + labels[Math.min(score, 4)];
    out.className = "fr-hint-text calanque-strength calanque-strength--" + Math.min(score, 4);
  });
})();

// Address autocomplete from the annuaire: fills the <datalist> of the
// compose fields while typing the last address of the list.
calanqueReady((root) => {
  const list = root.querySelector("#annuaire-adresses");
  if (!list || list.dataset.calanqueBound) return;
  list.dataset.calanqueBound = "1";
  let timer = null;
  root.querySelectorAll("input[list='annuaire-adresses']").forEach((input) => {
    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(async () => {
        const parts = input.value.split(",");
        const last = parts.pop().trim();
        if (last.length < 2) return;
        const response = await fetch("/annuaire/suggestions/?q=" + encodeURIComponent(last),
                                     { credentials: "same-origin" });
        if (!response.ok) return;
        const { results } = await response.json();
        const prefix = parts.length ? parts.join(",") + ", " : "";
        list.replaceChildren(...results.map((r) => {
          const option = document.createElement("option");
          option.value = prefix + r.email;
          option.label = r.label;
          return option;
        }));
      }, 200);
    });
  });
});

// One click sends once: a double-click on « Envoyer » must not send twice.
document.addEventListener("submit", (event) => {
  const button = event.submitter;
  if (button && button.hasAttribute("data-calanque-once")) {
    if (button.dataset.sent) { event.preventDefault(); return; }
    button.dataset.sent = "1";
  }
});

// Technical context of an assistance request (only sent if the box stays checked).
(() => {
  const screen = document.getElementById("id_screen");
  const origin = document.getElementById("id_origin");
  if (screen) screen.value = `${window.screen.width}×${window.screen.height}`;
  if (origin) origin.value = document.referrer.slice(0, 300);
})();

// Help articles suggested while the title of a request is typed.
(() => {
  const title = document.getElementById("id_subject");
  const box = document.getElementById("articles-suggeres");
  if (!title || !box) return;
  let timer = null;
  title.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      if (title.value.trim().length < 3) { box.hidden = true; return; }
      const response = await fetch("/assistance/aide/suggestions/?q=" + encodeURIComponent(title.value),
                                   { credentials: "same-origin" });
      if (!response.ok) return;
      const { results } = await response.json();
      const list = box.querySelector("ul");
      list.replaceChildren(...results.map((r) => {
        const item = document.createElement("li");
        const link = document.createElement("a");
        link.href = r.url;
        link.textContent = r.title;
        item.append(link);
        return item;
      }));
      box.hidden = results.length === 0;
    }, 250);
  });
})();

// ---------------------------------------------------------------------------
// Webmail. Each enhancement binds to the content it is given, so that it
// also works on content swapped in by htmx (see calanqueReady).
// htmx (webmail pages only) loads after this file and fires htmx:load on the
// body, then on every piece of content it swaps in; each init guards against
// running twice on the same element.
function calanqueReady(init) {
  init(document.body);
  document.addEventListener("htmx:load", (event) => init(event.target));
}

// After htmx replaced the page content, move the focus to what a person
// needs next: the result of their action (the alert) if there is one, else
// the new title — as a page load would put a screen reader at the top.
document.addEventListener("htmx:afterSettle", (event) => {
  if (!event.detail.boosted) return;
  const target = document.querySelector("#contenu .fr-alert:not(.calanque-held)") || document.querySelector("#contenu h1");
  if (target) {
    target.setAttribute("tabindex", "-1");
    target.focus({ preventScroll: true });
  }
});

const FRENCH = document.documentElement.lang !== "en";
const DRAFT_KEY = "calanque-brouillon";

// Signing out on purpose: the text kept in this tab after a session expiry
// goes too (a shared computer's next user must never get it back).
document.addEventListener("submit", (event) => {
  if (event.target.matches("form[data-calanque-logout]")) {
    try {
      sessionStorage.removeItem(DRAFT_KEY);
    } catch (error) {
      // Storage refused by the browser: nothing was kept.
    }
  }
});

// Drafts saved while typing (5 s after the last save, when something
// changed) and when leaving the page. If the session has expired, the text
// is kept in this tab (sessionStorage) and restored after signing in again.
calanqueReady((root) => {
  const form = root.querySelector("form[data-calanque-autosave]");
  if (!form || form.dataset.calanqueBound) return;
  form.dataset.calanqueBound = "1";
  const url = form.dataset.calanqueAutosave;
  const status = document.getElementById("etat-brouillon");
  const draftInput = form.querySelector("input[name=brouillon]");
  const fields = ["to", "cc", "bcc", "subject", "body"];
  let dirty = false;
  let inflight = null;
  let submitting = false;

  // What is kept in the tab, and why: "expired" (a save found the session
  // over, or no network) or "submit" (a send or save whose answer may be the
  // sign-in page). Only those are put back; text the server saved is not.
  let keptReason = null;
  const snapshot = (reason) => {
    keptReason = reason;
    const values = {};
    fields.forEach((name) => { values[name] = form.elements[name] ? form.elements[name].value : ""; });
    sessionStorage.setItem(DRAFT_KEY, JSON.stringify({ values, draft: draftInput.value, reason }));
  };
  const say = (text) => { if (status) status.textContent = text; };

  const showKept = (attachments) => {
    const box = document.getElementById("pieces-gardees");
    if (!box) return;
    box.querySelectorAll(".fr-fieldset__element").forEach((el) => el.remove());
    attachments.forEach((a, index) => {
      const element = document.createElement("div");
      element.className = "fr-fieldset__element";
      const group = document.createElement("div");
      group.className = "fr-checkbox-group";
      const input = document.createElement("input");
      input.type = "checkbox";
      input.name = "garder";
      input.value = a.part;
      input.id = "garder-auto-" + index;
      input.checked = true;
      const label = document.createElement("label");
      label.className = "fr-label";
      label.htmlFor = input.id;
      label.textContent = `${a.filename} (${a.size})`;
      group.append(input, label);
      element.append(group);
      box.append(element);
    });
    box.hidden = attachments.length === 0;
  };

  const files = form.querySelector("input[type=file][name=attachments]");
  const progress = document.getElementById("progression-pieces");
  const tooBig = document.getElementById("pieces-trop-lourdes");

  // XMLHttpRequest rather than fetch: it reports the upload's progress.
  const post = (body) => new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("POST", url);
    request.setRequestHeader("Accept", "application/json");
    const uploading = files && files.files.length;
    if (uploading && progress) {
      progress.value = 0;
      progress.hidden = false;
      request.upload.addEventListener("progress", (event) => {
        if (!event.lengthComputable) return;
        progress.value = Math.round((event.loaded * 100) / event.total);
        say((FRENCH ? "Envoi des pièces jointes : " : "Uploading attachments: ") + progress.value + " %");
      });
    }
    request.addEventListener("load", () => {
      if (progress) progress.hidden = true;
      const type = request.getResponseHeader("Content-Type") || "";
      const json = type.includes("application/json");
      resolve({ status: request.status, json, data: json ? JSON.parse(request.responseText) : null });
    });
    request.addEventListener("error", () => { if (progress) progress.hidden = true; reject(new Error("réseau")); });
    request.send(body);
  });

  const save = () => {
    dirty = false;
    const body = new FormData(form);
    inflight = post(body)
      .then((response) => {
        if (response.json && response.status === 400 && response.data.error) {
          tooBig.textContent = response.data.error;
          tooBig.hidden = false;
          return;
        }
        if (response.status !== 200 || !response.json) {
          // Signed out (the sign-in page answered) or refused: keep the text here.
          snapshot("expired");
          document.getElementById("brouillon-local").hidden = false;
          say(FRENCH ? "Brouillon gardé dans ce navigateur seulement." : "Draft kept in this browser only.");
          return;
        }
        const data = response.data;
        draftInput.value = data.draft;
        history.replaceState(history.state, "", data.url);
        if (files && files.value) files.value = "";  // now attachments of the draft
        showKept(data.attachments);
        sessionStorage.removeItem(DRAFT_KEY);
        keptReason = null;
        document.getElementById("brouillon-local").hidden = true;
        say((FRENCH ? "Brouillon enregistré à " : "Draft saved at ") + data.saved_at);
      })
      .catch(() => {
        snapshot("expired");
        say(FRENCH ? "Brouillon non enregistré (connexion perdue) ; le texte est gardé ici." :
          "Draft not saved (connection lost); the text is kept here.");
      })
      .finally(() => { inflight = null; });
    return inflight;
  };

  // Text left unsaved when the session expired: put it back.
  const kept = JSON.parse(sessionStorage.getItem(DRAFT_KEY) || "null");
  const differs = kept && fields.some((name) => form.elements[name]
    && (kept.values[name] || "") !== form.elements[name].value);
  if (kept && kept.reason && differs
      && (!kept.draft || !draftInput.value || kept.draft === draftInput.value)) {
    fields.forEach((name) => {
      if (form.elements[name] && kept.values[name]) form.elements[name].value = kept.values[name];
    });
    if (kept.draft && !draftInput.value) draftInput.value = kept.draft;
    document.getElementById("brouillon-restaure").hidden = false;
    dirty = true;
    save();
  } else if (kept && !differs) {
    sessionStorage.removeItem(DRAFT_KEY);  // the page shows this text already (e.g. a form error)
  }

  // Files are checked against the limit, then uploaded at once with the
  // draft (with a progress bar), so that « Envoyer » has nothing big to send.
  if (files) {
    files.addEventListener("change", () => {
      const limit = parseInt(files.dataset.calanqueMaxBytes || "0", 10);
      let total = 0;
      Array.from(files.files).forEach((file) => { total += file.size; });
      tooBig.hidden = !(limit && total > limit);
      if (!tooBig.hidden) {
        tooBig.textContent = FRENCH ? "Les pièces jointes dépassent 20 Mo au total." :
          "The attachments exceed 20 MB in total.";
        files.value = "";
        return;
      }
      if (files.files.length && !submitting) {
        const start = () => { if (!inflight) save(); else inflight.then(start); };
        start();
      }
    });
  }
  form.addEventListener("input", (event) => {
    if (event.target === files) return;
    dirty = true;
    if (keptReason) snapshot(keptReason);  // keep the copy in the tab current
  });
  form.addEventListener("change", () => { dirty = true; });
  const timer = setInterval(() => {
    if (!document.body.contains(form)) { clearInterval(timer); return; }
    if (dirty && !inflight && !submitting) save();
  }, 5000);

  const leaving = () => {
    if (!dirty || submitting) return;
    dirty = false;
    navigator.sendBeacon(url, new FormData(form));
  };
  window.addEventListener("pagehide", leaving);
  document.addEventListener("visibilitychange", () => { if (document.visibilityState === "hidden") leaving(); });
  document.body.addEventListener("htmx:beforeRequest", (event) => {
    if (!document.body.contains(form) || event.detail.elt === form || form.contains(event.detail.elt)) return;
    if (dirty && !submitting) { dirty = false; save(); }
  });

  form.addEventListener("submit", (event) => {
    // A save still running would replace the draft this submit names: wait for it.
    if (inflight) {
      event.preventDefault();
      event.stopImmediatePropagation();
      const submitter = event.submitter;
      inflight.then(() => form.requestSubmit(submitter));
      return;
    }
    const sending = event.submitter && event.submitter.hasAttribute("data-calanque-send");
    const subject = form.elements.subject;
    const confirmed = form.elements.no_subject && form.elements.no_subject.checked;
    if (sending && subject && !subject.value.trim() && !confirmed) {
      const question = FRENCH ? "Ce message n'a pas d'objet. L'envoyer quand même ?"
        : "This message has no subject. Send it anyway?";
      if (!window.confirm(question)) {
        event.preventDefault();
        event.stopImmediatePropagation();
        subject.focus();
        return;
      }
      const yes = document.createElement("input");
      yes.type = "hidden";
      yes.name = "no_subject";
      yes.value = "on";
      form.append(yes);
    }
    submitting = true;
    snapshot("submit");  // if the session expired, the sign-in page comes next: keep the text
  });
});

// After a send: the text kept for a session expiry is no longer needed
// once a webmail page other than compose answers.
calanqueReady(() => {
  if (!document.querySelector("form[data-calanque-autosave]") && document.querySelector(".calanque-webmail")) {
    sessionStorage.removeItem(DRAFT_KEY);
  }
});

// The signature chosen in compose is previewed under the text.
calanqueReady((root) => {
  const select = root.querySelector("select[name=signature]");
  if (!select || select.dataset.calanqueBound) return;
  select.dataset.calanqueBound = "1";
  const show = () => {
    document.querySelectorAll("[data-signature]").forEach((pre) => {
      pre.hidden = pre.dataset.signature !== select.value;
    });
  };
  select.addEventListener("change", show);
});

// « Annuler l'envoi »: a countdown; once over, the button goes.
calanqueReady((root) => {
  root.querySelectorAll("[data-calanque-held]").forEach((box) => {
    if (box.dataset.calanqueBound) return;
    box.dataset.calanqueBound = "1";
    let left = parseInt(box.dataset.calanqueHeld, 10);
    const out = box.querySelector(".calanque-countdown");
    const tick = () => {
      if (left < 0) {  // one more second: never announce before the server's time
        clearInterval(timer);
        box.querySelector("form").hidden = true;
        box.querySelector("p").hidden = true;
        box.querySelector(".calanque-held-gone").hidden = false;
        return;
      }
      out.textContent = `(${Math.max(left, 0)} s)`;
      left -= 1;
    };
    const timer = setInterval(tick, 1000);
    tick();
  });
});

// Keyboard in the message list: j / ↓ next, k / ↑ previous, Enter opens
// (the focus is on the message's link), x selects. Documented on the page.
calanqueReady((root) => {
  const table = root.querySelector(".calanque-messages");
  if (!table || table.dataset.calanqueBound) return;
  table.dataset.calanqueBound = "1";
  const rows = () => Array.from(document.querySelectorAll(".calanque-messages tr.calanque-row"));
  const move = (step) => {
    const all = rows();
    if (!all.length) return;
    const current = all.findIndex((row) => row.classList.contains("calanque-row--current"));
    const next = Math.min(all.length - 1, Math.max(0, current < 0 ? 0 : current + step));
    all.forEach((row) => row.classList.remove("calanque-row--current"));
    all[next].classList.add("calanque-row--current");
    const link = all[next].querySelector("a.calanque-open");
    if (link) link.focus();
  };
  document.addEventListener("keydown", (event) => {
    if (!document.body.contains(table) || event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    if (target.closest("input, textarea, select, [contenteditable]")) return;
    const inList = table.contains(target);
    if (event.key === "j" || (inList && event.key === "ArrowDown")) { event.preventDefault(); move(1); }
    else if (event.key === "k" || (inList && event.key === "ArrowUp")) { event.preventDefault(); move(-1); }
    else if (event.key === "x") {
      const row = document.querySelector(".calanque-messages tr.calanque-row--current");
      const box = row && row.querySelector("input[type=checkbox]");
      if (box) { event.preventDefault(); box.checked = !box.checked; }
    }
  });
  table.addEventListener("focusin", (event) => {
    const row = event.target.closest("tr.calanque-row");
    if (!row) return;
    rows().forEach((r) => r.classList.toggle("calanque-row--current", r === row));
  });
});

// Drag a message (or the selected ones) onto a folder of the side menu: the
// same « Déplacer » as the form, which stays the way without a mouse.
calanqueReady((root) => {
  const table = root.querySelector(".calanque-messages");
  const form = table && table.closest("form");
  if (!form || form.dataset.calanqueDrag) return;
  form.dataset.calanqueDrag = "1";
  const target = form.querySelector("select[name=dossier]");
  const move = form.querySelector("[data-calanque-move]");
  let dragging = false;
  table.querySelectorAll("tr.calanque-row").forEach((row) => {
    row.draggable = true;
    row.addEventListener("dragstart", (event) => {
      const box = row.querySelector("input[name=ids]");
      if (box && !box.checked) {
        form.querySelectorAll("input[name=ids]").forEach((other) => { other.checked = false; });
        box.checked = true;
      }
      dragging = true;
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", row.querySelector("a.calanque-open").textContent);
    });
    row.addEventListener("dragend", () => { dragging = false; });
  });
  root.querySelectorAll("a[data-calanque-folder]").forEach((link) => {
    link.addEventListener("dragover", (event) => {
      if (!dragging) return;
      event.preventDefault();
      link.classList.add("calanque-drop");
    });
    link.addEventListener("dragleave", () => link.classList.remove("calanque-drop"));
    link.addEventListener("drop", (event) => {
      if (!dragging) return;
      event.preventDefault();
      dragging = false;
      link.classList.remove("calanque-drop");
      target.value = link.dataset.calanqueFolder;
      move.click();  // a click, so that htmx sees the button and its formaction
    });
  });
});

// Compose with formatting (bold, italic, lists, links): a contenteditable
// area, written with the browser's own editing commands; no library, no CDN.
// The server keeps only an allow-list of tags (webmail/richtext.py) and the
// textarea, kept in step, is the plain-text version sent alongside.
calanqueReady((root) => {
  const form = root.querySelector("form[data-calanque-autosave]");
  const zone = root.querySelector("#editeur-zone");
  if (!form || !zone || zone.dataset.calanqueBound) return;
  zone.dataset.calanqueBound = "1";
  const editor = zone.querySelector("#editeur");
  const toggle = root.querySelector("#mise-en-forme");
  const textarea = form.elements.body;
  const html = form.elements.body_html;
  const plainGroup = textarea.closest(".fr-input-group");
  toggle.closest("p").hidden = false;

  const textToHtml = (text) => text.split("\n").map((line) => {
    const span = document.createElement("span");
    span.textContent = line;
    return span.innerHTML;
  }).join("<br>");
  const sync = () => {
    html.value = editor.innerHTML;
    textarea.value = editor.innerText.replace(/\n$/, "");
  };
  const setRich = (on) => {
    if (on) {
      editor.innerHTML = html.value || textToHtml(textarea.value);
      sync();
    } else {
      textarea.value = editor.innerText.replace(/\n$/, "");
      html.value = "";
    }
    zone.hidden = !on;
    plainGroup.hidden = on;
    toggle.setAttribute("aria-pressed", on ? "true" : "false");
    form.dispatchEvent(new Event("change", { bubbles: true }));  // the autosave notices
  };

  editor.addEventListener("input", sync);
  toggle.addEventListener("click", () => {
    const on = zone.hidden;
    setRich(on);
    (on ? editor : textarea).focus();
  });
  zone.querySelectorAll("[data-commande]").forEach((button) => {
    button.addEventListener("click", () => {
      editor.focus();
      const command = button.dataset.commande;
      if (command === "createLink") {
        const url = window.prompt(button.dataset.question || "URL", "https://");
        if (!url || !/^(https?:\/\/|mailto:)/i.test(url)) return;
        document.execCommand("createLink", false, url);
      } else {
        document.execCommand(command, false, null);
      }
      sync();
      form.dispatchEvent(new Event("input", { bubbles: true }));
    });
  });
  if (html.value) setRich(true);  // a formatted draft opens formatted
});
