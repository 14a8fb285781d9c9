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
(() => {
  const list = document.getElementById("annuaire-adresses");
  if (!list) return;
  let timer = null;
  document.querySelectorAll("input[list='annuaire-adresses']").forEach((input) => {
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
})();

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
