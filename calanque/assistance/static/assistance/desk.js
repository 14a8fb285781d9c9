// Agents' desk: insert the chosen canned answer at the cursor of the reply,
// without sending the form. Without JavaScript the button asks the server,
// which shows the form again with the answer inserted.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-insert-canned]");
  if (!button) return;
  const form = button.form;
  const select = form.querySelector("select[name=reponse_type]");
  const textarea = document.getElementById(button.dataset.insertCanned);
  const template = select && select.value && document.getElementById("reponse-type-" + select.value);
  if (!textarea || !template) return; // let the server say what is missing
  event.preventDefault();
  const text = template.content.textContent;
  const start = textarea.selectionStart ?? textarea.value.length;
  const end = textarea.selectionEnd ?? start;
  const before = textarea.value.slice(0, start);
  const glue = before && !before.endsWith("\n") ? "\n\n" : "";
  textarea.value = before + glue + text + textarea.value.slice(end);
  const caret = before.length + glue.length + text.length;
  textarea.focus();
  textarea.setSelectionRange(caret, caret);
});

// Buttons that delete ask first (without JavaScript they act at once).
document.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-confirm]");
  if (button && !window.confirm(button.dataset.confirm)) event.preventDefault();
});
