// The server's Prediction, its 28 x 28 input and its answer in a line under the canvas (the
// detailed view; the lecture view's readout too), drawn into the places ui/server_reading.py made
// once (bare st.html, no pieces of their own), from what each stroke's piece brings
// (live_reading.js and lecture_view.js call drawServerReading with their data: { input: the
// server's 28 x 28 input, base64 float32, or null; answer: the Prediction, readout: the line under
// the canvas or why there is none, as markup the server wrote, display/answer.py, its digits and
// its own words only; send: the send row's, send/row.js; or null }).

import { GREY } from "./lib/colour.js";
import { element, paintTile } from "./lib/dom.js";
import { serverInput } from "./live/reader.js";
import { drawSendRow } from "./send/row.js";

const PLACES = ".sr-root[data-part]";

// A place whose markup the server wrote: the Prediction ("answer") or the line under the canvas.
function drawMarkup(place, data) {
  const markup = (data && data[place.dataset.part]) || "";
  if (place.dataset.markup !== markup) place.innerHTML = markup; // the same answer is not redrawn
  place.dataset.markup = markup;
  place.hidden = !markup;
}

function drawInput(place, data) {
  const image = serverInput(data);
  let picture = place.querySelector("canvas.sr-input");
  if (!picture) {
    picture = element("canvas", "sr-input");
    picture.width = picture.height = 28;
    picture.setAttribute("role", "img");
    picture.setAttribute("aria-label", place.dataset.alt || "");
    place.replaceChildren(picture, element("p", "sr-caption"));
  }
  picture.hidden = !image;
  place.querySelector(".sr-caption").textContent = (image ? place.dataset.caption : place.dataset.empty) || "";
  if (image) {
    const pixels = Uint8Array.from(image, (v) => Math.round(Math.min(1, Math.max(0, v)) * 255));
    paintTile(picture.getContext("2d"), pixels, 0, 28, 28, 0, 0, 28, GREY);
  }
  place.dataset.shown = image ? "input" : "empty";
}

// Every place on the page, drawn from `data` (null: nothing read, the places show their words
// for an empty canvas). Called on every run of the stroke's piece, and once more a frame later:
// Streamlit may put the places on the page after the piece. trigger: the piece's setTriggerValue
// (the send row's Send fires it).
export function drawServerReading(data, trigger) {
  for (const place of document.querySelectorAll(PLACES)) {
    if (place.dataset.part === "input") drawInput(place, data);
    else if (place.dataset.part === "send") drawSendRow(place, (data && data.send) || null, trigger);
    else drawMarkup(place, data);
  }
}
