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
