// The query page's script, a file of its own so that the Content-Security-Policy allows no inline script.
//
// Without it the page is a form: choose a canned query, press "Load", edit, "Run". Choosing in the list
// does nothing by itself (WCAG 3.2.2: a change of setting never changes the context); the button loads.
// With YASGUI served by the site (/static/vendor/, from npm), the editor becomes YASGUI: the canned
// queries open as tabs with their parameter forms, completion comes from the graph's own prefixes,
// classes and properties (never from prefix.cc or LOV), results are sortable and paged with the
// queries' own column headings, and the graph's IRIs link to their pages on this site.
(function () {
  "use strict";

  var form = document.getElementById("editor");
  var textarea = document.getElementById("query");
  var runButton = document.getElementById("run");
  if (textarea && runButton) {
    textarea.addEventListener("keydown", function (e) {
      if ((e.ctrlKey || e.metaKey) && e.key === "Enter") { runButton.click(); }
    });
  }

  var mount = document.getElementById("yasgui");
  if (!form || !mount || typeof window.Yasgui !== "function") { return; }  // the plain editor stays
  var Yasgui = window.Yasgui;
  var endpoint = new URL("/query/run", window.location.href).href;  // absolute: YASGUI parses it with new URL()
  var lang = document.documentElement.lang === "en" ? "en" : "nb";
  var words = {
    nb: { download: "Last ned resultatet", csv: "CSV", csvExcel: "CSV for Excel (semikolon)", xlsx: "Excel (XLSX)",
      query: "Spørring", params: "Parametre", valid: "Gyldige verdier", run: "Kjør", editor: "SPARQL-spørringen",
      pageSize: "Rader per side", row: "Rad", filter: "Filtrer resultatene", scroll: "Spørringen (rull med piltastene)" },
    en: { download: "Download the result", csv: "CSV", csvExcel: "CSV for Excel (semicolon)", xlsx: "Excel (XLSX)",
      query: "Query", params: "Parameters", valid: "Valid values", run: "Run", editor: "The SPARQL query",
      pageSize: "Rows per page", row: "Row", filter: "Filter the results", scroll: "The query (scroll with the arrow keys)" }
  }[lang];
  // YASGUI's own controls in bokmål. YASGUI has no translation option: the tab name and the table's
  // DataTables words are configured; the result views' names and the download title by
  // registering YASR's plugins under their names with a label of ours; what YASGUI writes once when it
  // draws (titles, placeholders, labels) is relabelled by mend() below; what it rewrites by itself (the run
  // button's title, the count of results, the documentation link) stays English and says so with lang="en".
  var own = lang === "nb" ? {
    table: "Tabell", response: "Råsvar", show: "Vis resultatet som ", download: "Last ned resultatet (CSV)",
    addTab: "Ny fane", addTabLong: "Legg til en ny fane", closeTab: "Lukk fanen", pageSize: "Rader per side: ",
    all: "Alle", simple: "Enkel visning", ellipse: "Kort ned lange verdier", pagination: "Sidevalg", yes: "Ja", no: "Nei"
  } : null;

  function getJson(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (r) {
      if (!r.ok) { throw new Error(url + ": " + r.status); }
      return r.json();
    });
  }

  Promise.all([getJson("/query/vocabulary.json"), getJson("/query/canned.json?lang=" + lang)])
    .then(function (got) { start(got[0], got[1].queries); })
    .catch(function (err) { if (window.console) { console.warn("query editor: keeping the plain form", err); } });

  function escapeHtml(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function start(vocab, queries) {
    var byName = {};
    queries.forEach(function (q) { byName[q.name] = q; });
    var tabState = {};  // tab id -> {name, values}: the canned query a tab holds and its parameter values

    // Completion from the graph alone: forks of YASQE's completers with local lists, and only these.
    var Yasqe = Yasgui.Yasqe;
    Yasqe.forkAutocompleter("prefixes", { name: "k2prefixes", get: vocab.prefixDeclarations, persistenceId: null }, false);
    Yasqe.forkAutocompleter("class", { name: "k2classes", get: vocab.classes, bulk: true, persistenceId: null }, false);
    Yasqe.forkAutocompleter("property", { name: "k2properties", get: vocab.properties, bulk: true, persistenceId: null }, false);
    Yasqe.defaults.autocompleters = ["variables", "k2prefixes", "k2classes", "k2properties"];

    function localHref(iri) {
      var base = vocab.base;
      if (iri.indexOf(base) === 0) {
        var rest = iri.substring(base.length);
        if (rest.charAt(0) !== "/" && rest.charAt(0) !== "\\") { return "/" + rest; }
        return "/resource?iri=" + encodeURIComponent(iri);
      }
      return null;
    }

    function currentHeadings() {
      var tab = yasgui && yasgui.getTab();
      var state = tab && tabState[tab.getId()];
      var q = state && byName[state.name];
      return q ? q.headings : {};
    }

    // Readable headings and links to this site's pages, by wrapping two methods of YASR's table.
    var Table = Yasgui.Yasr.plugins.table;
    var getColumns = Table.prototype.getColumns;
    Table.prototype.getColumns = function () {
      var columns = getColumns.apply(this, arguments);
      var headings = currentHeadings();
      columns.forEach(function (c) {
        if (c.name && headings[c.name]) { c.title = escapeHtml(headings[c.name]); }
        if (!c.name) { c.title = '<span class="sr">' + escapeHtml(words.row) + "</span>"; }  // the row numbers
      });
      return columns;
    };
    var getLink = Table.prototype.getUriLinkFromBinding;
    Table.prototype.getUriLinkFromBinding = function (binding) {
      var html = getLink.apply(this, arguments);
      var href = localHref(binding.value);
      if (!href) { return html; }  // elsewhere: as YASR links it (a new window)
      return html.replace(/href=(["'])[^"']*\1/, 'href="' + escapeHtml(href) + '"')
        .replace(/ target=(["'])[^"']*\1/, "").replace(/ rel=(["'])[^"']*\1/, "");  // this site's page, here
    };
    // Literals as a reader writes them: the text, its language as a lang attribute (no quotes, no @nb).
    Table.prototype.formatLiteral = function (binding) {
      var value = escapeHtml(binding.value);
      var tag = binding["xml:lang"];
      return tag && /^[a-zA-Z-]+$/.test(tag) ? '<span lang="' + tag + '">' + value + "</span>" : value;
    };

    if (own && Table.defaults.tableConfig) {  // the table's own words in bokmål (DataTables' language option)
      Table.defaults.tableConfig.language = {
        info: "Viser _START_ til _END_ av _TOTAL_ rader",
        infoEmpty: "Ingen rader",
        infoFiltered: "(filtrert fra _MAX_)",
        emptyTable: "Spørringen ga ingen rader",
        zeroRecords: "Ingen rader passer",
        paginate: { first: "&lt;&lt;", last: "&gt;&gt;", next: "&gt;", previous: "&lt;" },
        aria: {
          orderable: ": aktiver for å sortere", orderableReverse: ": aktiver for å snu sorteringen",
          orderableRemove: ": aktiver for å fjerne sorteringen",
          paginate: { first: "Første side", last: "Siste side", next: "Neste side", previous: "Forrige side" }
        }
      };
    }
    if (own) {  // the result views' names (the buttons above the result) and the download's title
      var Yasr = Yasgui.Yasr;
      [["table", own.table], ["response", own.response]].forEach(function (named) {
        var Base = Yasr.plugins[named[0]];
        if (!Base) { return; }
        var Named = class extends Base {
          constructor(yasr) { super(yasr); this.label = named[1]; }
        };
        if (typeof Base.prototype.download === "function") {
          Named.prototype.download = function () {
            var file = Base.prototype.download.apply(this, arguments);
            if (file) { file.title = own.download; }
            return file;
          };
        }
        Yasr.registerPlugin(named[0], Named);
      });
    }
    form.classList.add("with-yasgui");
    mount.hidden = false;
    var yasgui = new Yasgui(mount, {
      requestConfig: { endpoint: endpoint, method: "POST", args: [{ name: "lang", value: lang }] },
      copyEndpointOnNewTab: false,
      tabName: words.query,  // a new tab's name
      persistenceId: null,
      populateFromUrl: false,
      autoAddOnInit: false,
      endpointCatalogueOptions: { getData: function () { return []; } },
      yasqe: { value: textarea.value, persistenceId: null },
      yasr: { prefixes: vocab.prefixes, persistenceId: null, defaultPlugin: "table" }
    });

    function argsFor(state) {
      var args = [{ name: "lang", value: lang }];
      if (state && state.name) {
        args.push({ name: "name", value: state.name });
        Object.keys(state.values).forEach(function (k) {
          if (state.values[k] !== "") { args.push({ name: "p." + k, value: state.values[k] }); }
        });
      }
      return args;
    }

    var paramsBox = document.getElementById("tab-params");

    function drawParams() {
      paramsBox.textContent = "";
      var tab = yasgui.getTab();
      var state = tab && tabState[tab.getId()];
      var q = state && byName[state.name];
      if (!q || !q.parameters.length) { paramsBox.hidden = true; return; }
      paramsBox.hidden = false;
      var fieldset = document.createElement("fieldset");
      fieldset.className = "params";
      var legend = document.createElement("legend");
      legend.textContent = words.params + ": " + q.title;
      fieldset.appendChild(legend);
      if (q.description) {
        var note = document.createElement("p");
        note.className = "note";
        note.textContent = q.description;
        fieldset.appendChild(note);
      }
      q.parameters.forEach(function (p) {
        var id = "tp-" + tab.getId() + "-" + p.name;
        var label = document.createElement("label");
        label.htmlFor = id;
        label.textContent = p.name + " ";
        var input = document.createElement("input");
        input.id = id;
        input.name = "p." + p.name;
        input.value = state.values[p.name] !== undefined ? state.values[p.name] : (p.default || "");
        input.autocomplete = "off";
        var help = document.createElement("span");
        help.className = "note";
        help.id = id + "-help";
        help.textContent = p.help + (p.values ? " · " + words.valid + ": " + p.values.slice(0, 30).join(", ") + (p.values.length > 30 ? " …" : "") : "");
        input.setAttribute("aria-describedby", help.id);
        if (p.values) {
          var list = document.createElement("datalist");
          list.id = id + "-values";
          p.values.forEach(function (v) { var o = document.createElement("option"); o.value = v; list.appendChild(o); });
          input.setAttribute("list", list.id);
          label.appendChild(list);
        }
        input.addEventListener("input", function () {
          state.values[p.name] = input.value.trim();
          tab.setRequestConfig({ args: argsFor(state) });
        });
        label.appendChild(input);
        label.appendChild(document.createTextNode(" "));
        label.appendChild(help);
        fieldset.appendChild(label);
      });
      var run = document.createElement("button");
      run.type = "button";
      run.className = "button";
      run.id = "tab-run";
      run.textContent = words.run + " ▶";
      run.addEventListener("click", function () { tab.query(); });
      fieldset.appendChild(run);
      paramsBox.appendChild(fieldset);
    }

    function openCanned(name, values) {
      var q = byName[name];
      if (!q) { return; }
      for (var id in tabState) {
        if (tabState[id].name === name && yasgui.getTab(id)) { yasgui.selectTabId(id); drawParams(); return; }
      }
      var state = { name: name, values: {} };
      q.parameters.forEach(function (p) { state.values[p.name] = (values && values[p.name]) || p.default || ""; });
      // The editor shows the query itself: its metadata lines (#+ …) are what the form above says.
      var text = q.query.split("\n").filter(function (line) { return line.indexOf("#+") !== 0; }).join("\n");
      var tab = yasgui.addTab(true, { name: q.title, yasqe: { value: text } });
      tabState[tab.getId()] = state;
      tab.setRequestConfig({ endpoint: endpoint, method: "POST", args: argsFor(state) });
      drawParams();
    }

    // What YASGUI draws lacks a few names and roles that assistive technology needs; added whenever it draws.
    function label(el, text) { if (el && !el.getAttribute("aria-label")) { el.setAttribute("aria-label", text); } }
    function mend() {
      Array.prototype.forEach.call(mount.querySelectorAll(".CodeMirror textarea"), function (el) { label(el, words.editor); });
      Array.prototype.forEach.call(mount.querySelectorAll(".CodeMirror-scroll"), function (el) {
        if (el.getAttribute("tabindex") !== "0") { el.setAttribute("tabindex", "0"); }
        label(el, words.scroll);
      });
      Array.prototype.forEach.call(mount.querySelectorAll("select.tableSizer"), function (el) { label(el, words.pageSize); });
      Array.prototype.forEach.call(mount.querySelectorAll(".tableFilter, input[type=search]"), function (el) { label(el, words.filter); });
      // The "+" (new tab) button sits inside the tablist, where only tabs may be: it goes just after the list
      // (its empty wrapper stays, as YASGUI inserts new tabs before it).
      Array.prototype.forEach.call(mount.querySelectorAll("[role=tablist] button.addTab"), function (el) {
        var list = el.closest("[role=tablist]");
        list.parentNode.insertBefore(el, list.nextSibling);
      });
      if (own) { speakBokmal(); }
    }
    function each(selector, fn) { Array.prototype.forEach.call(mount.querySelectorAll(selector), fn); }
    function set(el, name, value) { if (el.getAttribute(name) !== value) { el.setAttribute(name, value); } }
    // What YASGUI writes once, when it draws a control, said in bokmål; what it rewrites by itself marked English.
    function speakBokmal() {
      each("button.addTab", function (el) { set(el, "title", own.addTab); set(el, "aria-label", own.addTabLong); });
      each(".closeTab", function (el) { set(el, "title", own.closeTab); });
      each(".yasr_btn[class*='select_']", function (el) { set(el, "aria-label", own.show + (el.title || "").toLowerCase()); });
      each(".yasr_downloadIcon", function (el) { set(el, "aria-label", own.download); });
      each("input.tableFilter", function (el) { set(el, "placeholder", words.filter); set(el, "aria-label", words.filter); });
      each(".pageSizerLabel", function (el) { if (el.textContent !== own.pageSize) { el.textContent = own.pageSize; } });
      each("select.tableSizer option[value='-1']", function (el) { if (el.textContent !== own.all) { el.textContent = own.all; } });
      each(".tableControls .switch .label", function (el) {
        var said = { "Simple view": own.simple, "Ellipse": own.ellipse }[el.textContent];
        if (said) { el.textContent = said; }
      });
      each("nav[aria-label='pagination']", function (el) { set(el, "aria-label", own.pagination); });
      each(".booleanResult span", function (el) {
        var said = { True: own.yes, False: own.no }[el.textContent];
        if (said) { el.textContent = said; }
      });
      each(".yasqe_queryButton, .yasr_response_chip, .yasr_external_ref_btn, .tabContextButton, .tabMenu, .yasqe_share, .controlbar", function (el) {
        set(el, "lang", "en");
      });
    }
    var pending = false;
    new MutationObserver(function () {
      if (!pending) { pending = true; setTimeout(function () { pending = false; mend(); }, 0); }
    }).observe(mount, { childList: true, subtree: true });

    // A SELECT's result as files (CSV with a BOM, CSV for Excel, XLSX) from /query, which runs the tab's
    // query again within the same limits and gives the columns their headings.
    var downloadsBox = document.createElement("p");
    downloadsBox.id = "tab-downloads";
    downloadsBox.className = "downloads";
    downloadsBox.hidden = true;
    mount.parentNode.insertBefore(downloadsBox, mount.nextSibling);
    function drawDownloads() {
      downloadsBox.textContent = "";
      downloadsBox.hidden = true;
      var tab = yasgui.getTab();
      var yasr = tab && tab.getYasr();
      var results = yasr && yasr.results;
      if (!results || (results.getError && results.getError()) || tab.getYasqe().getQueryType() !== "SELECT") { return; }
      var params = new URLSearchParams();
      argsFor(tabState[tab.getId()]).forEach(function (a) { params.append(a.name, a.value); });
      params.append("query", tab.getQuery());
      downloadsBox.appendChild(document.createTextNode(words.download + ": "));
      [[words.csv, "download=csv"], [words.csvExcel, "download=csv&sep=semicolon"], [words.xlsx, "download=xlsx"]]
        .forEach(function (file, i) {
          if (i) { downloadsBox.appendChild(document.createTextNode(" · ")); }
          var a = document.createElement("a");
          a.href = "/query?" + params.toString() + "&" + file[1];
          a.setAttribute("download", "");
          a.textContent = file[0];
          downloadsBox.appendChild(a);
        });
      downloadsBox.hidden = false;
    }
    yasgui.on("queryResponse", function () { setTimeout(drawDownloads, 0); });
    yasgui.on("tabSelect", function () { setTimeout(function () { drawParams(); drawDownloads(); }, 0); });
    yasgui.on("tabClose", function () { setTimeout(function () { drawParams(); drawDownloads(); }, 0); });

    // The picker: choosing does nothing; "Load" opens the chosen canned query as a tab.
    var select = document.getElementById("name");
    var load = document.getElementById("load");
    load.addEventListener("click", function (e) {
      e.preventDefault();
      if (select.value) { openCanned(select.value); }
    });

    var first = form.getAttribute("data-selected");
    if (first && byName[first]) {
      var values = {};
      Array.prototype.forEach.call(form.querySelectorAll("input[name^='p.']"), function (input) {
        if (input.value) { values[input.name.substring(2)] = input.value; }
      });
      openCanned(first, values);
    } else {
      var tab = yasgui.addTab(true, { name: words.query, yasqe: { value: textarea.value } });
      tab.setRequestConfig({ endpoint: endpoint, method: "POST", args: argsFor(null) });
      drawParams();
    }
  }
})();
