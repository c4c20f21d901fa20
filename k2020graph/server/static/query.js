// The query page's only script, a file of its own so that the Content-Security-Policy allows no inline script.
// Choosing a canned query loads it at once (without JavaScript the "Load" button does the same).
document.getElementById("name").addEventListener("change", function () {
  if (this.value) { document.getElementById("load").click(); }
});
document.getElementById("query").addEventListener("keydown", function (e) {
  if ((e.ctrlKey || e.metaKey) && e.key === "Enter") { document.getElementById("run").click(); }
});
