// FrameFan web preview: a scrub bar over the video showing the still at its position and
// the GIF of its snippet. All data is embedded in index.html; every text from the job is
// set with textContent, never parsed as HTML.
(function () {
  "use strict";

  var data = JSON.parse(document.getElementById("framefan-data").textContent);
  var $ = function (id) { return document.getElementById(id); };
  var slider = $("slider"), still = $("still"), gif = $("gif"), bar = $("bar");
  var hover = $("hover"), hoverThumb = $("hover-thumb"), hoverTime = $("hover-time");
  // The playhead, in seconds: the slider snaps to its step, playback must not.
  var position = 0, shuttle = 0, lastTick = 0, currentGif = null;

  function lastAtOrBefore(list, t, key) {
    var low = 0, high = list.length - 1, found = 0;
    while (low <= high) {
      var middle = (low + high) >> 1;
      if (key(list[middle]) <= t + 1e-6) { found = middle; low = middle + 1; } else { high = middle - 1; }
    }
    return list[found];
  }

  function stillAt(t) { return lastAtOrBefore(data.stills, t, function (s) { return s[0]; }); }

  function snippetAt(t) {
    if (!data.snippets.length) { return null; }
    return lastAtOrBefore(data.snippets, t, function (s) { return s[0]; });
  }

  function describeSnippet(s) {
    var index = data.snippets.indexOf(s) + 1;
    return "Snippet " + index + " of " + data.snippets.length;
  }

  function show(t) {
    t = Math.max(0, Math.min(data.duration, t));
    position = t;
    if (data.stills.length) {
      var s = stillAt(t);
      if (still.getAttribute("src") !== s[1]) { still.setAttribute("src", s[1]); }
      $("time").textContent = s[2];
    }
    var snippet = snippetAt(t);
    if (snippet && snippet !== currentGif) {
      currentGif = snippet;
      gif.setAttribute("src", snippet[2]);
      $("snippet").textContent = describeSnippet(snippet);
    }
  }

  function seek(t) {
    t = Math.max(0, Math.min(data.duration, t));
    slider.value = String(t);
    show(t);
  }

  function spriteAt(t) {
    var cues = data.sprites.cues;
    if (!cues.length) { return null; }
    return lastAtOrBefore(cues, t * 1000, function (c) { return c[0]; });
  }

  function timeAtPointer(event) {
    var box = slider.getBoundingClientRect();
    var share = (event.clientX - box.left) / box.width;
    return Math.max(0, Math.min(1, share)) * data.duration;
  }

  function showHover(event) {
    var t = timeAtPointer(event);
    var cue = spriteAt(t);
    if (cue) {
      hoverThumb.style.width = data.sprites.width + "px";
      hoverThumb.style.height = data.sprites.height + "px";
      hoverThumb.style.backgroundImage = "url(\"" + cue[2] + "\")";
      hoverThumb.style.backgroundPosition = (-cue[3]) + "px " + (-cue[4]) + "px";
    }
    hoverTime.textContent = stillAt(t)[2];
    var box = bar.getBoundingClientRect();
    var x = Math.max(data.sprites.width / 2 + 4, Math.min(box.width - data.sprites.width / 2 - 4, event.clientX - box.left));
    hover.style.left = x + "px";
    hover.hidden = false;
  }

  // J/K/L: play backwards / stop / forwards; pressing J or L again doubles the speed.
  function setShuttle(speed) {
    shuttle = speed;
    lastTick = 0;
    if (shuttle) { window.requestAnimationFrame(tick); }
  }

  function tick(now) {
    if (!shuttle) { return; }
    if (lastTick) {
      var t = position + shuttle * (now - lastTick) / 1000;
      if (t <= 0 || t >= data.duration) { seek(t); setShuttle(0); return; }
      slider.value = String(t);
      show(t);
    }
    lastTick = now;
    window.requestAnimationFrame(tick);
  }

  function onKey(event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    var t = position, step = data.step;
    var key = event.key;
    var handled = true;
    if (key === "ArrowRight" || key === ".") { seek(t + (event.shiftKey ? 10 : step)); }
    else if (key === "ArrowLeft" || key === ",") { seek(t - (event.shiftKey ? 10 : step)); }
    else if (key === "Home") { seek(0); }
    else if (key === "End") { seek(data.duration); }
    else if (key === "l" || key === "L") { setShuttle(shuttle > 0 ? Math.min(16, shuttle * 2) : 1); }
    else if (key === "j" || key === "J") { setShuttle(shuttle < 0 ? Math.max(-16, shuttle * 2) : -1); }
    else if (key === "k" || key === "K") { setShuttle(0); }
    else if (key === " ") { setShuttle(shuttle ? 0 : 1); }
    else { handled = false; }
    if (handled) { event.preventDefault(); }
  }

  function markButton(mark, index) {
    var button = document.createElement("button");
    button.type = "button";
    var tc = document.createElement("span");
    tc.className = "tc";
    tc.textContent = mark.endLabel ? mark.label + " – " + mark.endLabel : mark.label;
    var name = document.createElement("span");
    name.textContent = mark.name;
    button.appendChild(tc);
    button.appendChild(name);
    if (mark.note) {
      var note = document.createElement("span");
      note.className = "note";
      note.textContent = mark.note;
      button.appendChild(note);
    }
    button.addEventListener("click", function () { seek(mark.start); slider.focus(); });
    button.setAttribute("data-mark", String(index));
    return button;
  }

  function buildMarks() {
    if (!data.marks.length) { return; }
    $("chapters-section").hidden = false;
    var list = $("chapters"), onBar = $("bar-marks");
    data.marks.forEach(function (mark, index) {
      var item = document.createElement("li");
      item.appendChild(markButton(mark, index));
      list.appendChild(item);
      var tick = document.createElement("button");
      tick.type = "button";
      tick.className = mark.end === null ? "point" : "range";
      tick.style.left = (100 * mark.start / data.duration) + "%";
      if (mark.end !== null) { tick.style.width = (100 * (mark.end - mark.start) / data.duration) + "%"; }
      tick.title = mark.label + " " + mark.name;
      tick.setAttribute("aria-label", "Mark " + mark.name + " at " + mark.label);
      tick.addEventListener("click", function () { seek(mark.start); slider.focus(); });
      onBar.appendChild(tick);
    });
  }

  function facts() {
    var parts = [data.durationLabel];
    if (data.width && data.height) { parts.push(data.width + "×" + data.height); }
    if (data.codec) { parts.push(data.codec); }
    if (data.fps) { parts.push((Math.round(data.fps * 1000) / 1000) + " fps"); }
    if (data.timecode) { parts.push("TC " + data.timecode); }
    return parts.join(" · ");
  }

  $("title").textContent = data.name;
  $("facts").textContent = facts();
  slider.max = String(data.duration);
  slider.step = String(data.step);
  slider.addEventListener("input", function () { setShuttle(0); show(Number(slider.value)); });
  bar.addEventListener("pointermove", showHover);
  bar.addEventListener("pointerleave", function () { hover.hidden = true; });
  document.addEventListener("keydown", onKey);
  buildMarks();
  show(0);
})();
