// The print edition's Print button (templates/print.html). Without
// JavaScript the page says to use the browser's Print command; with it,
// the button does the same.
for (const button of document.querySelectorAll("button[data-print]")) {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
}
