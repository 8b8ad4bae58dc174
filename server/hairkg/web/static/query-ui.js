/*
 * The hairkg query page: starts YASGUI on the endpoint of this server and turns the
 * competency questions into examples. The page has no inline script (its
 * Content-Security-Policy allows scripts from 'self' only); the endpoint, the prefixes and
 * the questions come from the JSON data block #hairkg-ui-data, which is never executed.
 */
(function () {
  "use strict";

  var TABLE_PLUGIN = "table";
  var RESPONSE_PLUGIN = "response";

  function readData() {
    var block = document.getElementById("hairkg-ui-data");
    return JSON.parse(block ? block.textContent : "{}");
  }

  function prefixHeader(prefixes) {
    return Object.keys(prefixes)
      .map(function (prefix) {
        return "PREFIX " + prefix + ": <" + prefixes[prefix] + ">";
      })
      .join("\n");
  }

  function defaultQuery(prefixes) {
    return (
      prefixHeader(prefixes) +
      "\n\n" +
      "# The therapies in the graph. Pick a competency question for more.\n" +
      "SELECT ?therapy ?label\n" +
      "WHERE {\n" +
      "  ?therapy a hkg:Therapy ;\n" +
      "           rdfs:label ?label .\n" +
      "}\n" +
      "ORDER BY ?label\n" +
      "LIMIT 100\n"
    );
  }

  function showProblem(container, message) {
    container.textContent = "";
    var problem = document.createElement("p");
    problem.className = "notice";
    problem.setAttribute("role", "alert");
    problem.textContent = message;
    container.appendChild(problem);
  }

  function markActiveExample(name) {
    var buttons = document.querySelectorAll("button.example");
    for (var i = 0; i < buttons.length; i++) {
      var active = buttons[i].getAttribute("data-tab-name") === name;
      buttons[i].classList.toggle("active", active);
      buttons[i].setAttribute("aria-pressed", active ? "true" : "false");
    }
  }

  function start() {
    var container = document.getElementById("yasgui");
    if (!container) {
      return;
    }
    var data;
    try {
      data = readData();
    } catch (error) {
      showProblem(container, "The page's data block is unreadable: " + error);
      return;
    }
    var Yasgui = window.Yasgui && (window.Yasgui.default || window.Yasgui);
    if (typeof Yasgui !== "function") {
      showProblem(
        container,
        "The query editor (YASGUI) did not load. Send queries to " +
          data.endpoint +
          " with any SPARQL 1.1 client instead."
      );
      return;
    }
    var endpoint = new URL(data.endpoint, window.location.href).href;
    var prefixes = data.prefixes || {};
    var examples = {};
    (data.examples || []).forEach(function (example) {
      examples[example.name] = example;
    });

    container.textContent = "";
    var yasgui = new Yasgui(container, {
      requestConfig: { endpoint: endpoint, method: "POST" },
      copyEndpointOnNewTab: false,
      endpointCatalogueOptions: {
        getData: function () {
          return [{ endpoint: endpoint }];
        },
      },
      persistenceId: "hairkg-query-ui",
      autofocus: false,
      yasqe: { value: defaultQuery(prefixes) },
      yasr: {
        prefixes: prefixes,
        defaultPlugin: TABLE_PLUGIN,
        pluginOrder: [TABLE_PLUGIN, RESPONSE_PLUGIN],
      },
    });
    window.hairkgYasgui = yasgui;

    function openExample(example) {
      var tab = yasgui.tabNameTaken(example.id);
      if (tab) {
        yasgui.selectTabId(tab.getId());
        tab.setQuery(example.query);
      } else {
        tab = yasgui.addTab(true, {
          name: example.id,
          yasqe: { value: example.query },
          requestConfig: { endpoint: endpoint },
        });
      }
      markActiveExample(example.id);
      container.scrollIntoView({ block: "start" });
      tab.getYasqe().focus();
      return tab;
    }

    var buttons = document.querySelectorAll("button.example");
    for (var i = 0; i < buttons.length; i++) {
      var example = examples[buttons[i].getAttribute("data-example")];
      if (!example) {
        buttons[i].disabled = true;
        continue;
      }
      buttons[i].setAttribute("data-tab-name", example.id);
      buttons[i].addEventListener(
        "click",
        openExample.bind(null, example)
      );
    }
    yasgui.on("tabSelect", function (instance, tabId) {
      var tab = instance.getTab(tabId);
      markActiveExample(tab ? tab.getName() : "");
    });
    if (data.query) {
      // a link from a page ("open in the query editor"): its query in a tab of its own
      var linked = yasgui.tabNameTaken("linked");
      if (linked) {
        yasgui.selectTabId(linked.getId());
        linked.setQuery(data.query);
      } else {
        yasgui.addTab(true, {
          name: "linked",
          yasqe: { value: prefixHeader(prefixes) + "\n\n" + data.query },
          requestConfig: { endpoint: endpoint },
        });
      }
    }
    var current = yasgui.getTab();
    markActiveExample(current ? current.getName() : "");
    document.documentElement.setAttribute("data-query-ui", "ready");
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
