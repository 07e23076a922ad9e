/* fundatlas dashboard: draws the charts and the map from the JSON embedded in each page.
   Progressive enhancement only: every figure has a table of the same numbers in the page.
   Text goes in with textContent (never innerHTML). Nothing is fetched from another host. */
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";
  var lang = document.documentElement.lang || "en";
  var whole = new Intl.NumberFormat(lang, { maximumFractionDigits: 0 });
  var compact = new Intl.NumberFormat(lang, { notation: "compact", maximumFractionDigits: 1 });
  var MAP_COLOURS = ["#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c"];

  function el(name, attrs, parent) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (parent) parent.appendChild(node);
    return node;
  }
  function text(parent, x, y, value, attrs) {
    var node = el("text", Object.assign({ x: x, y: y }, attrs || {}), parent);
    node.textContent = value;
    return node;
  }
  function title(parent, value) { el("title", {}, parent).textContent = value; }
  function usd(value) { return whole.format(value) + "\u00a0USD"; }
  function svgFor(figure, width, height, className) {
    var svg = el("svg", { viewBox: "0 0 " + width + " " + height, role: "img", class: className || "" });
    var caption = figure.querySelector("figcaption");
    if (caption) svg.setAttribute("aria-labelledby", caption.id);
    return svg;
  }
  function niceStep(max, ticks) {
    var raw = max / ticks;
    var power = Math.pow(10, Math.floor(Math.log10(raw)));
    var steps = [1, 2, 2.5, 5, 10];
    for (var i = 0; i < steps.length; i++) if (steps[i] * power >= raw) return steps[i] * power;
    return 10 * power;
  }

  function drawStacked(figure, data, canvas) {
    var width = 520, height = 260, left = 48, right = 6, top = 10, bottom = 24;
    var categories = data.categories, series = data.series;
    var totals = categories.map(function (_, i) {
      return series.reduce(function (sum, s) { return sum + (s.values[i] || 0); }, 0);
    });
    var max = Math.max.apply(null, totals.concat([1]));
    var step = niceStep(max, 4);
    var top_value = Math.ceil(max / step) * step;
    var svg = svgFor(figure, width, height);
    var plotH = height - top - bottom, plotW = width - left - right;
    var y = function (v) { return top + plotH - (v / top_value) * plotH; };
    var axis = el("g", { class: "axis" }, svg);
    for (var v = 0; v <= top_value + step / 2; v += step) {
      el("line", { x1: left, x2: width - right, y1: y(v), y2: y(v) }, axis);
      text(axis, left - 6, y(v) + 4, compact.format(v), { "text-anchor": "end" });
    }
    var band = plotW / Math.max(categories.length, 1);
    var barW = Math.max(2, Math.min(40, band * 0.7));
    var labelEvery = Math.ceil(categories.length / 14);
    categories.forEach(function (category, i) {
      var x = left + band * i + (band - barW) / 2;
      var base = 0;
      series.forEach(function (s) {
        var value = s.values[i] || 0;
        if (!value) return;
        var rect = el("rect", {
          class: "bar series-" + s.key, x: x, width: barW,
          y: y(base + value), height: Math.max(0.5, y(base) - y(base + value)),
        }, svg);
        title(rect, category + " · " + s.label + ": " + usd(value));
        base += value;
      });
      if (i % labelEvery === 0) text(svg, x + barW / 2, height - 8, category, { "text-anchor": "middle" });
    });
    canvas.replaceChildren(svg);
    if (series.length > 1) {
      var legend = document.createElement("ul");
      legend.className = "legend";
      series.forEach(function (s) {
        var item = document.createElement("li");
        var swatch = document.createElement("span");
        swatch.className = "swatch region-" + s.key;
        swatch.setAttribute("aria-hidden", "true");
        item.appendChild(swatch);
        item.appendChild(document.createTextNode(s.label));
        legend.appendChild(item);
      });
      canvas.appendChild(legend);
    }
  }

  function drawBars(figure, data, canvas) {
    var items = data.items, row = 36, width = 520, left = 2, right = 90;
    var height = Math.max(row * items.length + 4, row);
    var max = Math.max.apply(null, items.map(function (d) { return d.value; }).concat([1]));
    var svg = svgFor(figure, width, height);
    items.forEach(function (item, i) {
      var y0 = i * row + 2;
      var parent = svg;
      if (item.href) {
        parent = el("a", { href: item.href }, svg);
        parent.setAttribute("aria-label", item.label + ": " + usd(item.value));
      }
      text(parent, left, y0 + 13, item.label);
      var w = Math.max(1, (item.value / max) * (width - left - right));
      var rect = el("rect", { class: "bar", x: left, y: y0 + 18, width: w, height: 13 }, parent);
      title(rect, item.label + ": " + usd(item.value) + " · " + item.projects);
      text(parent, left + w + 6, y0 + 29, compact.format(item.value) + " USD");
    });
    canvas.replaceChildren(svg);
  }

  function thresholds(values) {
    var sorted = values.slice().sort(function (a, b) { return a - b; });
    var out = [];
    for (var i = 1; i < MAP_COLOURS.length; i++) {
      out.push(sorted[Math.min(sorted.length - 1, Math.floor((i * sorted.length) / MAP_COLOURS.length))]);
    }
    return out;
  }
  function colourFor(value, limits) {
    var i = 0;
    while (i < limits.length && value >= limits[i]) i++;
    return MAP_COLOURS[Math.min(i, MAP_COLOURS.length - 1)];
  }

  function drawMap(figure, data, canvas) {
    if (!window.d3 || !window.d3.geoPath || !window.topojson) throw new Error("map libraries missing");
    return fetch(figure.getAttribute("data-topology"), { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error("world map: HTTP " + response.status);
        return response.json();
      })
      .then(function (topology) {
        var features = window.topojson.feature(topology, topology.objects.countries).features
          .filter(function (f) { return f.id !== "010"; });  // Antarctica: no projects, much space
        var collection = { type: "FeatureCollection", features: features };
        var width = 960, height = 470;
        var projection = window.d3.geoNaturalEarth1().fitExtent([[4, 4], [width - 4, height - 4]], collection);
        var path = window.d3.geoPath(projection);
        var svg = svgFor(figure, width, height + 46, "map");
        var countries = data.countries;
        var limits = thresholds(Object.keys(countries).map(function (k) { return countries[k].usd; }));
        var layer = el("g", {}, svg);
        var filled = 0;
        features.forEach(function (feature) {
          var key = feature.id !== undefined ? feature.id : "name:" + (feature.properties || {}).name;
          var info = countries[key];
          var d = path(feature);
          if (!d) return;
          if (!info) {
            el("path", { d: d, class: "country no-data" }, layer);
            return;
          }
          var label = info.name + ": " + usd(info.usd) + " · " + info.projects + " " + data.labels.projects;
          var link = el("a", { href: info.href }, layer);
          link.setAttribute("aria-label", label);
          var shape = el("path", { d: d, class: "country has-data", fill: colourFor(info.usd, limits), "data-iso3": info.iso3 }, link);
          title(shape, label);
          filled++;
        });
        var legend = el("g", { class: "map-legend", transform: "translate(12," + (height + 4) + ")" }, svg);
        text(legend, 0, 12, data.labels.legend);
        var keys = limits.map(function (limit, i) {
          return i === 0 ? "< " + compact.format(limit) : "≥ " + compact.format(limits[i - 1]);
        }).concat(["≥ " + compact.format(limits[limits.length - 1])]);
        MAP_COLOURS.forEach(function (colour, i) {
          el("rect", { x: i * 120, y: 22, width: 18, height: 14, fill: colour }, legend);
          text(legend, i * 120 + 24, 34, keys[i]);
        });
        el("rect", { x: 5 * 120, y: 22, width: 18, height: 14, class: "country no-data" }, legend);
        text(legend, 5 * 120 + 24, 34, data.labels.no_data);
        canvas.replaceChildren(svg);
        figure.setAttribute("data-filled", String(filled));
      });
  }

  var DRAW = { stacked: drawStacked, bars: drawBars, map: drawMap };

  function drawAll() {
    var figures = Array.prototype.slice.call(document.querySelectorAll("figure[data-chart]"));
    var work = figures.map(function (figure) {
      var block = document.getElementById(figure.getAttribute("data-chart") + "-data");
      var canvas = figure.querySelector("[data-chart-canvas]");
      if (!block || !canvas) return Promise.resolve();
      var data = JSON.parse(block.textContent);
      var draw = DRAW[data.kind];
      if (!draw) return Promise.resolve();
      return Promise.resolve()
        .then(function () { return draw(figure, data, canvas); })
        .then(function () { figure.setAttribute("data-drawn", ""); });
    });
    Promise.all(work).then(function () {
      document.documentElement.setAttribute("data-charts-drawn", String(figures.length));
      if (window.performance && performance.mark) performance.mark("charts-drawn");
    }, function (error) {
      console.error("fundatlas: a chart could not be drawn:", error);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", drawAll);
  else drawAll();
})();
