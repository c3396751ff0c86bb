// The review page: plain JS, no build step. Talks only to this server (same origin, session cookie).
"use strict";

const CHANGE = { "X-Cctvkit-Review": "1", "Content-Type": "application/json" };
const players = new Map(); // clip number -> player state
let state = null;

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child);
  return node;
}

function showError(message) {
  document.getElementById("error").textContent = message || "";
}

async function api(method, path, body) {
  const options = { method, credentials: "same-origin", headers: method === "GET" ? {} : CHANGE };
  if (body !== undefined) options.body = JSON.stringify(body);
  const response = await fetch(path, options);
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(data.error || `${response.status} ${response.statusText}`);
  return data;
}

async function refresh() {
  state = await api("GET", "api/state");
  render();
}

function render() {
  const req = state.request;
  document.getElementById("title").textContent = `Review of ${req.id}`;
  document.getElementById("summary").textContent =
    `${req.kind} request of ${req.requester}, due ${req.due_on}; reviewing as ${state.operator}` +
    (state.requester_only ? "; requester-only: the kept requester's region (outlined) stays, everything else is masked" : "");
  const main = document.getElementById("clips");
  for (const clip of state.clips) {
    let player = players.get(clip.number);
    if (!player) {
      player = createPlayer(clip);
      players.set(clip.number, player);
      main.append(player.section);
    }
    player.clip = clip;
    renderTimeline(player);
    renderGallery(player);
    renderText(player);
    renderMasks(player);
    renderFindings(player);
    showFrame(player, player.frame, true);
  }
  showApproval(state.approval);
}

function createPlayer(clip) {
  const n = clip.number;
  const img = el("img", { id: `frame-${n}`, alt: `clip ${n} preview`, width: clip.width, height: clip.height });
  // Which frame and decision version the picture on screen shows (the next may still be loading).
  img.addEventListener("load", () => { img.dataset.loaded = `${img.dataset.frame}:${img.dataset.version}`; });
  const canvas = el("canvas", { id: `overlay-${n}`, width: clip.width, height: clip.height });
  const stage = el("div", { class: "stage" }, img, canvas);
  const slider = el("input", { type: "range", min: 0, max: clip.frame_count - 1, value: 0, id: `slider-${n}` });
  const label = el("span", { id: `frame-label-${n}` });
  const reason = el("input", { type: "text", id: `mask-reason-${n}`, value: "face the detector missed", size: 28 });
  const player = {
    clip, img, canvas, stage, slider, label, reason, frame: 0, timer: null, drawing: false, drag: null,
    timeline: el("div", { class: "timeline", id: `timeline-${n}` }),
    gallery: el("div", { class: "gallery", id: `gallery-${n}` }),
    masks: el("ul", { class: "masks", id: `masks-${n}` }),
    findings: el("div", { class: "findings", id: `findings-${n}` }),
    text: el("div", { class: "gallery text", id: `text-${n}` }),
  };
  const play = el("button", { type: "button", id: `play-${n}`, onclick: () => togglePlay(player) }, "Play");
  player.play = play;
  const draw = el("button", { type: "button", id: `draw-${n}`, onclick: () => setDrawing(player, !player.drawing) },
    "Draw a box");
  player.draw = draw;
  // Requester-only (issue 26): the requester's region can be drawn where the followed one is wrong.
  const drawRegion = el("button", { type: "button", id: `draw-region-${n}`,
    onclick: () => setDrawing(player, !player.drawing, "region") }, "Draw the requester's region");
  player.drawRegion = drawRegion;
  slider.addEventListener("input", () => showFrame(player, Number(slider.value)));
  canvas.addEventListener("mousedown", (e) => startDrag(player, e));
  canvas.addEventListener("mousemove", (e) => moveDrag(player, e));
  canvas.addEventListener("mouseup", (e) => endDrag(player, e));
  const controls = el("div", { class: "controls" },
    el("button", { type: "button", onclick: () => showFrame(player, player.frame - 1) }, "◀"),
    play,
    el("button", { type: "button", onclick: () => showFrame(player, player.frame + 1) }, "▶"),
    slider, label);
  const drawControls = el("div", { class: "controls" }, draw, el("label", {}, "reason ", reason));
  if (state && state.requester_only) drawControls.append(drawRegion);
  const left = el("div", {}, stage, controls, drawControls, player.timeline);
  const right = el("div", {},
    el("h3", {}, "People and tracks"),
    el("p", { class: "note" }, "Tick the requester to leave them visible; everyone else stays masked."),
    player.gallery,
    el("h3", {}, "Lines of text"), player.text,
    el("h3", {}, "Your boxes"), player.masks,
    el("h3", {}, "Faces the face check still sees"), player.findings);
  player.section = el("section", { class: "clip", id: `clip-${n}` },
    el("h2", {}, `Clip ${n}: camera ${clip.camera_id}, ${clip.start_utc} (UTC), ${clip.frame_count} frames at ${clip.fps} fps`),
    el("div", { class: "player" }, left, right));
  return player;
}

function showFrame(player, frame, force = false) {
  const clip = player.clip;
  frame = Math.max(0, Math.min(clip.frame_count - 1, frame));
  if (frame === player.frame && !force && player.img.dataset.version === String(clip.version)) return;
  player.frame = frame;
  player.img.dataset.version = String(clip.version);
  player.img.dataset.frame = String(frame);
  player.img.src = `api/clips/${clip.number}/frames/${frame}.jpg?v=${clip.version}`;
  player.slider.value = frame;
  player.label.textContent = `frame ${frame} / ${clip.frame_count - 1} (${(frame / clip.fps).toFixed(2)} s)`;
  const cursor = player.timeline.querySelector(".cursor");
  if (cursor) cursor.style.left = `${(100 * frame) / Math.max(1, clip.frame_count - 1)}%`;
  drawOverlay(player);
}

function togglePlay(player) {
  if (player.timer) {
    clearInterval(player.timer);
    player.timer = null;
    player.play.textContent = "Play";
    return;
  }
  player.play.textContent = "Pause";
  player.timer = setInterval(() => {
    if (player.frame >= player.clip.frame_count - 1) { togglePlay(player); return; }
    showFrame(player, player.frame + 1);
  }, 1000 / player.clip.fps);
}

function span(first, last, count) {
  const denominator = Math.max(1, count);
  return { left: `${(100 * first) / denominator}%`, width: `${Math.max(0.5, (100 * (last - first + 1)) / denominator)}%` };
}

function renderTimeline(player) {
  const clip = player.clip;
  const labels = el("div", { class: "labels" });
  const lanes = el("div", { class: "lanes" });
  const lane = (label, bar, attrs) => {
    labels.append(el("div", { class: "label" }, label));
    lanes.append(el("div", { class: "row", ...attrs }, bar));
  };
  for (const track of clip.tracks) {
    const bar = el("div", { class: `bar ${track.keep ? "kept" : "masked"}`, title: `track ${track.track_id}` });
    Object.assign(bar.style, span(track.first_frame, track.last_frame, clip.frame_count));
    lane(`track ${track.track_id}`, bar, { "data-track": track.track_id });
  }
  for (const line of clip.text_lines) {
    const bar = el("div", { class: `bar ${line.keep ? "kept" : "text"}`, title: `text ${line.line_id}` });
    Object.assign(bar.style, span(line.first_frame, line.last_frame, clip.frame_count));
    lane(`text ${line.line_id}`, bar, { "data-text": line.line_id });
  }
  for (const mask of clip.masks) {
    const region = mask.kind === "region";
    const bar = el("div", { class: `bar ${region ? "region" : "manual"}`, title: `${region ? "region " : ""}box ${mask.id}` });
    Object.assign(bar.style, span(mask.first_frame, mask.last_frame, clip.frame_count));
    lane(`${region ? "region " : ""}box ${mask.id}`, bar, { "data-mask": mask.id });
  }
  if (!clip.tracks.length && !clip.masks.length) lane("no faces", "", {});
  lanes.append(el("div", { class: "cursor" }));
  lanes.addEventListener("click", (e) => {
    const box = lanes.getBoundingClientRect();
    const frame = Math.round(((e.clientX - box.left) / box.width) * (clip.frame_count - 1));
    showFrame(player, Math.max(0, Math.min(clip.frame_count - 1, frame)));
  });
  player.timeline.replaceChildren(labels, lanes);
}

function renderGallery(player) {
  const clip = player.clip;
  const byId = new Map(clip.tracks.map((t) => [t.track_id, t]));
  player.gallery.replaceChildren();
  for (const ids of clip.people) {
    const tracks = ids.map((id) => byId.get(id)).filter(Boolean);
    if (!tracks.length) continue;
    const kept = tracks.every((t) => t.keep);
    const first = Math.min(...tracks.map((t) => t.first_frame));
    const last = Math.max(...tracks.map((t) => t.last_frame));
    const detections = tracks.reduce((sum, t) => sum + t.detected_frames, 0);
    const key = `${clip.number}-${ids[0]}`;
    const reason = el("input", { type: "text", id: `reason-${key}`, size: 22,
      value: kept ? (tracks.find((t) => t.reason)?.reason || "the requester") : "the requester" });
    const box = el("input", { type: "checkbox", id: `keep-${key}`, "data-tracks": ids.join(",") });
    box.checked = kept;
    box.addEventListener("change", () => decideKeep(player, ids, box.checked, reason.value));
    const thumbs = tracks.map((t) => el("img", {
      src: `api/clips/${clip.number}/tracks/${t.track_id}.jpg`, alt: `track ${t.track_id}`,
      title: `track ${t.track_id}: jump to its clearest frame (${t.best_frame})`,
      onclick: () => showFrame(player, t.best_frame),
    }));
    const facts = el("div", { class: "facts" },
      `${tracks.length > 1 ? "one person, tracks " : "track "}${ids.join(", ")}`, el("br"),
      `frames ${first}-${last}, detected in ${detections} frame(s)`);
    player.gallery.append(el("div", { class: `person${kept ? " kept" : ""}`, id: `person-${key}` },
      ...thumbs, facts, el("label", {}, box, kept ? " kept visible" : " masked"), el("label", {}, " reason ", reason)));
  }
  if (!clip.people.length) player.gallery.append(el("p", {}, "No face was found in this clip."));
}

// Issue 29: lines of text (plates, badges, signs) as their own kind: masked unless kept readable.
function renderText(player) {
  const clip = player.clip;
  player.text.replaceChildren();
  for (const line of clip.text_lines) {
    const key = `${clip.number}-${line.line_id}`;
    const reason = el("input", { type: "text", id: `text-reason-${key}`, size: 22,
      value: line.keep ? line.reason : "a sign: identifies no one" });
    const box = el("input", { type: "checkbox", id: `text-keep-${key}`, "data-line": line.line_id });
    box.checked = line.keep;
    box.addEventListener("change", () => decideText(player, [line.line_id], box.checked, reason.value));
    const thumb = el("img", {
      src: `api/clips/${clip.number}/text/${line.line_id}.jpg`, alt: `text line ${line.line_id}`, class: "line",
      title: `line ${line.line_id}: jump to its widest sighting (${line.best_frame})`,
      onclick: () => showFrame(player, line.best_frame),
    });
    const facts = el("div", { class: "facts" }, `line of text ${line.line_id}`, el("br"),
      `frames ${line.first_frame}-${line.last_frame}, masked on ${line.frames} frame(s) unless kept`);
    player.text.append(el("div", { class: `person${line.keep ? " kept" : ""}`, id: `line-${key}` },
      thumb, facts, el("label", {}, box, line.keep ? " kept readable" : " masked"), el("label", {}, " reason ", reason)));
  }
  if (!clip.text_lines.length) {
    player.text.append(el("p", { class: "note" }, state.mask_text
      ? "No line of text was found in this clip."
      : "Text is not masked in this review (--mask-text, or the camera's mask_text, masks it)."));
  }
}

async function decideText(player, lines, keep, reason) {
  try {
    await api("POST", `api/clips/${player.clip.number}/text`, { lines, keep, reason });
    showError("");
  } catch (error) {
    showError(error.message);
  }
  await refresh();
}

function renderMasks(player) {
  const clip = player.clip;
  player.masks.replaceChildren();
  for (const mask of clip.masks) {
    const first = el("input", { type: "number", id: `mask-first-${mask.id}`, min: 0, max: clip.frame_count - 1, value: mask.first_frame });
    const last = el("input", { type: "number", id: `mask-last-${mask.id}`, min: 0, max: clip.frame_count - 1, value: mask.last_frame });
    const what = mask.kind === "region" ? "the requester's region on" : "masks";
    player.masks.append(el("li", { id: `mask-${mask.id}`, "data-kind": mask.kind },
      `${mask.kind === "region" ? "region " : ""}box ${mask.id} drawn on frame ${mask.anchor_frame} (${mask.reason}); followed over ${mask.tracked_first}-${mask.tracked_last}; ${what} frames `,
      first, " to ", last, " ",
      el("button", { type: "button", onclick: () => editMask(player, mask.id, first.value, last.value) }, "Save span"),
      el("button", { type: "button", onclick: () => deleteMask(player, mask.id) }, "Delete"),
      el("button", { type: "button", onclick: () => showFrame(player, mask.anchor_frame) }, "Show")));
  }
  if (!clip.masks.length) player.masks.append(el("li", {}, "none: use “Draw a box” on the player over a face that is not masked"));
}

// Issue 25: each face the last release run's face check still saw, with its evidence (original
// beside output); one click masks it (moving with it) or accepts it with a reason.
function renderFindings(player) {
  const clip = player.clip;
  const check = clip.face_check;
  const box = player.findings;
  box.replaceChildren();
  if (!check) {
    box.append(el("p", { class: "note" }, "Not checked yet: approving runs the face check; " +
      "a face it still sees stops the release and is listed here."));
    return;
  }
  box.dataset.attempt = check.attempt;
  if (!check.faces.length) box.append(el("p", {}, `Run ${check.run}: no face left that blocks the release.`));
  for (const face of check.faces) {
    const key = `${clip.number}-${face.number}`;
    let decision;
    let decided = "open";
    if (face.mask !== null) {
      decided = "masked";
      decision = el("span", {}, `masked by box ${face.mask} (approve again to check)`);
    } else if (face.accepted) {
      decided = "accepted";
      decision = el("span", {}, `accepted by ${face.accepted.by}: ${face.accepted.reason} `,
        el("button", { type: "button", onclick: () => withdrawAcceptance(player, face.accepted.id) }, "Withdraw"));
    } else {
      const reason = el("input", { type: "text", id: `accept-reason-${key}`, size: 24, placeholder: "why it may stay" });
      decision = el("span", {},
        el("button", { type: "button", id: `mask-face-${key}`, onclick: () => decideFace(player, face.number, "mask") }, "Mask it"),
        " or ",
        el("button", { type: "button", id: `accept-face-${key}`,
          onclick: () => decideFace(player, face.number, "accept", reason.value) }, "Accept"),
        " reason ", reason);
    }
    box.append(seenFace(player, face, "face", decided, decision));
  }
  // Left unmasked for the operator: two models saw no face there (a large "not a face"). They do
  // not block; the operator looks and masks one that is a face after all.
  if (check.listed.length) {
    box.append(el("p", { class: "note" }, `${check.listed.length} place(s) listed for you to look at: ` +
      "two models saw no face there, so they were left unmasked and do not block; mask any that is a face."));
  }
  for (const face of check.listed) {
    const key = `${clip.number}-${face.number}`;
    const decided = face.mask !== null ? "masked" : "listed";
    const decision = face.mask !== null
      ? el("span", {}, `masked by box ${face.mask} (approve again to check)`)
      : el("button", { type: "button", id: `mask-face-${key}`, onclick: () => decideFace(player, face.number, "mask") }, "Mask it");
    box.append(seenFace(player, face, "listed", decided, decision));
  }
  if (check.other.length) {
    const list = el("ul", { id: `other-findings-${clip.number}` });
    for (const f of check.other) {
      list.append(el("li", {}, `frame ${f.frame} (${f.time_s.toFixed(2)} s), ${f.width_px} px, score ${f.score}: ${f.verdict}`));
    }
    box.append(el("details", {}, el("summary", {},
      `${check.other.length} other finding(s) that do not block (masked, too small to recognise, or not a face)`), list));
  }
}

// One face of the face check's findings: its evidence (click: show the frame), facts and decision.
function seenFace(player, face, kind, decided, decision) {
  const clip = player.clip;
  const check = clip.face_check;
  const key = `${clip.number}-${face.number}`;
  const evidence = face.evidence === null ? el("span", {}, "(no evidence image)") : el("img", {
    class: "evidence", id: `evidence-${key}`, alt: `${kind} ${face.number}: original beside output`,
    title: "left: the original; right: the release as rendered. Click: show the frame",
    src: `api/clips/${clip.number}/findings/${face.evidence}.png?run=${encodeURIComponent(check.attempt)}`,
    onclick: () => showFrame(player, face.frame),
  });
  const facts = el("div", { class: "facts" },
    `${kind} ${face.number}: ${face.findings} finding(s), frames ${face.first_frame}-${face.last_frame}`, el("br"),
    `clearest: frame ${face.frame} (${face.time_s.toFixed(2)} s), ${face.width_px} px wide, score ${face.score}`, el("br"),
    `verdict: ${face.verdict}`);
  return el("div", { class: `finding ${decided}`, id: `${kind}-${key}`, "data-state": decided }, evidence, facts, decision);
}

async function decideFace(player, face, action, reason) {
  const body = { attempt: player.clip.face_check.attempt };
  if (action === "accept") body.reason = reason;
  try {
    await api("POST", `api/clips/${player.clip.number}/faces/${face}/${action}`, body);
    showError("");
  } catch (error) {
    showError(error.message);
  }
  await refresh();
}

async function withdrawAcceptance(player, id) {
  try {
    await api("DELETE", `api/clips/${player.clip.number}/accepted/${id}`);
    showError("");
  } catch (error) {
    showError(error.message);
  }
  await refresh();
}

function setDrawing(player, on, kind = "mask") {
  player.drawing = on;
  player.drawKind = on ? kind : "mask";
  player.stage.classList.toggle("drawing", on);
  player.draw.textContent = on && kind === "mask" ? "Drag over the face…" : "Draw a box";
  player.drawRegion.textContent = on && kind === "region" ? "Drag over the requester…" : "Draw the requester's region";
  if (on && player.timer) togglePlay(player);
}

function framePoint(player, event) {
  const box = player.canvas.getBoundingClientRect();
  return {
    x: ((event.clientX - box.left) / box.width) * player.clip.width,
    y: ((event.clientY - box.top) / box.height) * player.clip.height,
  };
}

function startDrag(player, event) {
  if (!player.drawing) return;
  const p = framePoint(player, event);
  player.drag = { x1: p.x, y1: p.y, x2: p.x, y2: p.y };
  event.preventDefault();
}

function moveDrag(player, event) {
  if (!player.drag) return;
  const p = framePoint(player, event);
  player.drag.x2 = p.x;
  player.drag.y2 = p.y;
  drawOverlay(player);
}

async function endDrag(player, event) {
  if (!player.drag) return;
  moveDrag(player, event);
  const d = player.drag;
  player.drag = null;
  const xyxy = [Math.min(d.x1, d.x2), Math.min(d.y1, d.y2), Math.max(d.x1, d.x2), Math.max(d.y1, d.y2)];
  const kind = player.drawKind || "mask";
  setDrawing(player, false);
  drawOverlay(player);
  if (xyxy[2] - xyxy[0] < 4 || xyxy[3] - xyxy[1] < 4) return;
  player.draw.textContent = "Following the box…";
  const reason = kind === "region" ? "the requester's region" : player.reason.value;
  try {
    await api("POST", `api/clips/${player.clip.number}/masks`,
      { frame: player.frame, xyxy: xyxy.map((v) => Math.round(v * 10) / 10), reason, kind });
    showError("");
    await refresh();
  } catch (error) {
    showError(error.message);
  } finally {
    player.draw.textContent = "Draw a box";
  }
}

function drawOverlay(player) {
  const ctx = player.canvas.getContext("2d");
  ctx.clearRect(0, 0, player.canvas.width, player.canvas.height);
  ctx.lineWidth = 2;
  ctx.strokeStyle = "#1565c0";
  for (const mask of player.clip.masks) {
    if (mask.anchor_frame === player.frame) {
      const [x1, y1, x2, y2] = mask.anchor_xyxy;
      ctx.strokeRect(x1, y1, x2 - x1, y2 - y1);
    }
  }
  if (player.drag) {
    const d = player.drag;
    ctx.strokeStyle = "#ffeb3b";
    ctx.strokeRect(Math.min(d.x1, d.x2), Math.min(d.y1, d.y2), Math.abs(d.x2 - d.x1), Math.abs(d.y2 - d.y1));
  }
}

async function decideKeep(player, ids, keep, reason) {
  try {
    await api("POST", `api/clips/${player.clip.number}/keep`, { tracks: ids, keep, reason });
    showError("");
  } catch (error) {
    showError(error.message);
  }
  await refresh();
}

async function editMask(player, id, first, last) {
  try {
    await api("POST", `api/clips/${player.clip.number}/masks/${id}`, { first_frame: Number(first), last_frame: Number(last) });
    showError("");
  } catch (error) {
    showError(error.message);
  }
  await refresh();
}

async function deleteMask(player, id) {
  try {
    await api("DELETE", `api/clips/${player.clip.number}/masks/${id}`);
    showError("");
  } catch (error) {
    showError(error.message);
  }
  await refresh();
}

function showApproval(status) {
  const button = document.getElementById("approve");
  const bar = document.getElementById("approve-progress");
  const text = document.getElementById("approve-status");
  button.disabled = status.state === "running";
  bar.hidden = status.state !== "running";
  if (status.total) { bar.max = status.total; bar.value = status.done; }
  if (status.state === "running") text.textContent = `processing: ${status.done} / ${status.total || "?"} frames`;
  else if (status.state === "done") {
    text.textContent = (status.repeated ? "these decisions were released already: " : "") +
      `release ${status.release_id} (${status.outcome}) in ${status.path}: ` +
      (status.verified ? "verified OK" : `verification FAILED: ${status.problems.join("; ")}`);
    text.dataset.release = status.release_id;
    text.dataset.verified = String(status.verified);
  } else if (status.state === "failed") text.textContent = `release failed: ${status.error}`;
  else text.textContent = "";
  text.dataset.state = status.state;
  text.dataset.repeated = String(Boolean(status.repeated));
  // Approving unchanged decisions again returns the release already made; another is explicit.
  document.getElementById("approve-again").hidden = status.state !== "done";
}

async function pollApproval() {
  const status = await api("GET", "api/approve");
  showApproval(status);
  if (status.state === "running") setTimeout(pollApproval, 400);
  else await refresh(); // the run's face check: its findings are listed per clip
}

document.addEventListener("DOMContentLoaded", () => {
  // The one-time token has been spent; keep it out of the history and the address bar.
  if (location.search) history.replaceState(null, "", location.pathname);
  const approve = async (body) => {
    try {
      showApproval(await api("POST", "api/approve", body));
      showError("");
      pollApproval();
    } catch (error) {
      showError(error.message);
    }
  };
  document.getElementById("approve").addEventListener("click", () => approve({}));
  document.getElementById("approve-again").addEventListener("click", () => {
    if (confirm("Make another release (a new package and disclosure-log entry) of these decisions?")) {
      approve({ again: true });
    }
  });
  refresh().catch((error) => showError(error.message));
});
