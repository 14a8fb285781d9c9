// Small progressive enhancements; every page works without them.
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-calanque-print]")) {
    window.print();
  }
});
