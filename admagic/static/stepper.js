// admagic's step-through of the reverse sweep (an anywidget module).
//
// Python computed every frame (admagic/stepper.py: frames); this file only shows them: it swaps
// the texts of the gradient bands, moves the highlight classes and writes each share on its edge.
// Nothing here talks to the kernel, so stepping works from a saved notebook too. Its words (the
// buttons' texts and tooltips) come from Python too, in the kernel's language (`labels`).

const SVG_NS = "http://www.w3.org/2000/svg";

function button(text, title) {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = text;
  b.title = title;
  b.className = "admagic-button";
  return b;
}

// Write `lines` on an edge, on a light box. The room Graphviz kept for them (the edge's
// `data-share`: x, y, width, height, laid out so that no node or other label is there) holds
// them; a text wider than its room (the browser's font is not the one Graphviz measured) is
// made smaller to fit. An edge without room (an SVG drawn elsewhere) gets them just above its
// middle, as before.
function shareLabel(edge, lines) {
  const path = edge.querySelector("path");
  if (!path) return;
  const room = edge.dataset.share ? edge.dataset.share.split(" ").map(parseFloat) : null;
  const middle = path.getPointAtLength(path.getTotalLength() / 2);
  const centre = room ? room[0] + room[2] / 2 : middle.x;
  const group = document.createElementNS(SVG_NS, "g");
  group.setAttribute("class", "admagic-share");
  const box = document.createElementNS(SVG_NS, "rect");
  const text = document.createElementNS(SVG_NS, "text");
  text.setAttribute("class", "admagic-share-text");
  text.setAttribute("text-anchor", "middle");
  lines.forEach((line, i) => {
    const span = document.createElementNS(SVG_NS, "tspan");
    span.setAttribute("x", centre);
    if (i > 0) span.setAttribute("dy", "1.15em");
    span.textContent = line;
    text.appendChild(span);
  });
  group.appendChild(box);
  group.appendChild(text);
  edge.parentNode.appendChild(group); // last, so it is drawn above the nodes
  text.setAttribute("x", centre);
  text.setAttribute("y", 0);
  let size = text.getBBox();
  if (room && size.width > room[2] - 6) {
    text.style.fontSize = `${(11 * (room[2] - 6)) / size.width}px`;
    size = text.getBBox();
  }
  let top;
  if (room) {
    top = room[1] + (room[3] - size.height) / 2; // centred in its room
  } else {
    // The box's bottom 4 units above the edge, or just below the edge's own label.
    const own = edge.querySelector("text:not(.admagic-share-text)");
    top = own ? own.getBBox().y + own.getBBox().height + 2 : middle.y - 4 - size.height;
  }
  text.setAttribute("y", top - size.y);
  const b = text.getBBox();
  const pad = room ? Math.min(3, (room[2] - b.width) / 2, (room[3] - b.height) / 2) : 3;
  box.setAttribute("x", b.x - pad);
  box.setAttribute("y", b.y - pad / 3);
  box.setAttribute("width", b.width + 2 * pad);
  box.setAttribute("height", b.height + (2 * pad) / 3);
  box.setAttribute("rx", 3);
}

function render({ model, el }) {
  // Each frame lists only the bands that changed: replay them into every frame's full set.
  let known = {};
  const frames = model.get("frames").map((frame) => {
    known = Object.assign({}, known, frame.bands);
    return Object.assign({}, frame, { bands: known });
  });
  const root = document.createElement("div");
  root.className = "admagic-stepper";
  root.tabIndex = 0;

  const controls = document.createElement("div");
  controls.className = "admagic-controls";
  const words = model.get("labels"); // the buttons' texts, from messages.py's tables
  const first = button(words.start, words.start_title);
  const prev = button(words.previous, words.previous_title);
  const play = button(words.play, words.play_title);
  const next = button(words.next, words.next_title);
  const slider = document.createElement("input");
  slider.type = "range";
  slider.min = 0;
  slider.max = frames.length - 1;
  slider.className = "admagic-slider";
  slider.title = words.slider_title;
  const counter = document.createElement("span");
  counter.className = "admagic-counter";
  controls.append(first, prev, play, next, slider, counter);

  const caption = document.createElement("div");
  caption.className = "admagic-caption";
  const body = document.createElement("div");
  body.className = "admagic-body";
  const picture = document.createElement("div");
  picture.className = "admagic-picture";
  picture.innerHTML = model.get("svg");
  const table = document.createElement("div");
  table.className = "admagic-table";
  table.innerHTML = model.get("table");
  body.append(picture);
  if (model.get("table")) body.append(table);
  root.append(controls, caption, body);
  el.appendChild(root);

  const nodes = {};
  picture.querySelectorAll("g[data-node]").forEach((g) => (nodes[g.dataset.node] = g));
  const edges = Array.from(picture.querySelectorAll("g[data-tail]"));
  const rows = {};
  table.querySelectorAll("tr[data-row]").forEach((tr) => (rows[tr.dataset.row] = tr));

  let index = 0;
  let timer = null;

  function show(k) {
    index = Math.max(0, Math.min(frames.length - 1, k));
    const frame = frames[index];
    picture.querySelectorAll(".admagic-share").forEach((s) => s.remove());
    picture.querySelectorAll(".admagic-current, .admagic-receiving, .admagic-sending")
      .forEach((g) => g.classList.remove("admagic-current", "admagic-receiving", "admagic-sending"));
    if (frame.current && nodes[frame.current]) nodes[frame.current].classList.add("admagic-current");
    frame.receiving.forEach((id) => nodes[id] && nodes[id].classList.add("admagic-receiving"));
    for (const [id, text] of Object.entries(frame.bands)) {
      const band = nodes[id] && nodes[id].querySelector("text.admagic-band");
      if (!band) continue; // a node the summarised picture left out
      band.textContent = text;
      band.classList.toggle("admagic-blank", text.endsWith("= ?"));
      // A text wider than the band drawn for the final one (a bold running sum) is squeezed in.
      band.removeAttribute("textLength");
      const room = parseFloat(band.dataset.width) - 2;
      if (band.getComputedTextLength && band.getComputedTextLength() > room) {
        band.setAttribute("textLength", room);
        band.setAttribute("lengthAdjust", "spacingAndGlyphs");
      }
    }
    for (const share of frame.shares) {
      const along = edges.filter((e) => e.dataset.tail === share.tail && e.dataset.head === share.head);
      const edge = along.find((e) => e.dataset.share) || along[0]; // the one with room for it
      if (!edge) continue; // an edge the summarised picture left out
      edge.classList.add("admagic-sending");
      shareLabel(edge, share.lines);
    }
    Object.values(rows).forEach((tr) => tr.classList.remove("admagic-row-current", "admagic-row-receiving"));
    frame.rows.forEach((id, i) => rows[id] && rows[id].classList.add(i === 0 && frame.current ? "admagic-row-current" : "admagic-row-receiving"));
    caption.replaceChildren(...frame.caption.map((line) => {
      const p = document.createElement("div");
      p.textContent = line;
      return p;
    }));
    slider.value = index;
    // The frames are: before the sweep, one per step, done; count steps as the caption does.
    const steps = frames.length - 2;
    counter.textContent = index > steps ? `${steps} / ${steps} ✓` : `${index} / ${steps}`;
    prev.disabled = index === 0;
    first.disabled = index === 0;
    next.disabled = index === frames.length - 1;
  }

  function stop() {
    if (timer !== null) clearInterval(timer);
    timer = null;
    play.textContent = words.play;
  }

  function start() {
    if (index === frames.length - 1) show(0);
    play.textContent = words.pause;
    timer = setInterval(() => {
      if (index >= frames.length - 1) return stop();
      show(index + 1);
    }, model.get("interval"));
  }

  first.addEventListener("click", () => { stop(); show(0); });
  prev.addEventListener("click", () => { stop(); show(index - 1); });
  next.addEventListener("click", () => { stop(); show(index + 1); });
  play.addEventListener("click", () => (timer === null ? start() : stop()));
  slider.addEventListener("input", () => { stop(); show(parseInt(slider.value, 10)); });
  root.addEventListener("keydown", (event) => {
    if (event.key === "ArrowRight") { stop(); show(index + 1); event.preventDefault(); }
    if (event.key === "ArrowLeft") { stop(); show(index - 1); event.preventDefault(); }
  });

  // Show the first frame once the SVG is laid out (the band widths and edge lengths need it).
  requestAnimationFrame(() => show(model.get("step")));
  return () => stop();
}

export default { render };
