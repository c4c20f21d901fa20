// The change page's only script, a file of its own so that the Content-Security-Policy allows no inline script.
// The token entered in the upload form is kept for this tab only (sessionStorage, never a cookie) to fill the
// apply form; applying sends it as "Authorization: Bearer …". Without JavaScript both forms post it as a field.
(function () {
  "use strict";
  var KEY = "k2020graph-write-token";
  var upload = document.getElementById("upload");
  if (upload) {
    upload.addEventListener("submit", function () {
      try { sessionStorage.setItem(KEY, document.getElementById("token").value); } catch (e) { /* storage off */ }
    });
  }
  var apply = document.getElementById("apply");
  if (!apply) { return; }
  var field = document.getElementById("apply-token");
  try { field.value = sessionStorage.getItem(KEY) || ""; } catch (e) { /* storage off */ }
  var shown = document.getElementById("applied");
  function say(cls, message) {
    shown.hidden = false;
    shown.textContent = "";
    var p = document.createElement("p");
    p.className = cls;
    p.setAttribute("role", cls === "error" ? "alert" : "status");
    p.textContent = message;
    shown.appendChild(p);
    return shown;
  }
  apply.addEventListener("submit", function (event) {
    event.preventDefault();
    var body = new FormData();
    body.append("change", apply.elements.change.value);
    var button = document.getElementById("apply-button");
    button.disabled = true;
    fetch(apply.action, {
      method: "POST",
      body: body,
      credentials: "omit",
      headers: { "Authorization": "Bearer " + field.value, "Accept": "application/json" }
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    }).then(function (answer) {
      if (!answer.ok) {
        button.disabled = false;
        say("error", answer.data.error || String(answer.data.status));
        return;
      }
      try { sessionStorage.removeItem(KEY); } catch (e) { /* storage off */ }
      apply.hidden = true;
      var box = say("ok", answer.data.message);
      var list = document.createElement("ul");
      list.className = "changed";
      (answer.data.links || []).forEach(function (link) {
        var item = document.createElement("li");
        var a = document.createElement("a");
        a.href = link.href;  // a path of this site, made by the server
        a.textContent = link.text;
        item.appendChild(a);
        list.appendChild(item);
      });
      box.appendChild(list);
    }).catch(function (error) {
      button.disabled = false;
      say("error", String(error));
    });
  });
})();
