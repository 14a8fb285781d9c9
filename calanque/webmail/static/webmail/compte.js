// The text that calanque.js keeps in this tab when the session expires while
// writing ("calanque-brouillon", sessionStorage) belongs to the person who
// wrote it. Loaded in <head> on webmail pages, so before calanque.js: when
// another account opens the webmail in this tab (a shared computer), that
// text is dropped before compose could put it back.
(() => {
  const meta = document.querySelector('meta[name="calanque-compte"]');
  if (!meta) return;
  try {
    if (sessionStorage.getItem("calanque-brouillon-compte") !== meta.content) {
      sessionStorage.removeItem("calanque-brouillon");
      sessionStorage.setItem("calanque-brouillon-compte", meta.content);
    }
  } catch (error) {
    // Storage refused by the browser: nothing is kept, nothing to drop.
  }
})();
