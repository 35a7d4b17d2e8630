// Building and updating the page's elements. The setters write only when the value changes, so that a refresh
// every few seconds does not disturb a selection, a screen reader or a running animation.

/**
 * The element with this id.
 * @param {string} id
 * @returns {HTMLElement}
 */
export const byId = (id) => document.getElementById(id);

const absent = (value) => value === null || value === undefined || value === false;

/**
 * Creates an element. In `props`, `class`, `text` and `style` set those; any other key is an attribute (`true`
 * makes an empty one). Props and children that are null, undefined or false are left out; other children that are
 * not nodes become text.
 * @param {string} tag
 * @param {Record<string, unknown> | null} [props]
 * @param {...unknown} children
 * @returns {HTMLElement}
 */
export function h(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (absent(value)) continue;
    if (key === "class") node.className = String(value);
    else if (key === "text") node.textContent = String(value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (absent(child)) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/**
 * Sets a node's text (null and undefined as ""), if it differs.
 * @param {Node} node
 * @param {unknown} text
 */
export function setText(node, text) {
  const value = text === null || text === undefined ? "" : String(text);
  if (node.textContent !== value) node.textContent = value;
}

/**
 * Sets `data-KEY` (null and undefined as ""), if it differs: the page's test hooks are such attributes.
 * @param {HTMLElement} node
 * @param {string} key the dataset name, e.g. `restarts` for `data-restarts`
 * @param {unknown} value
 */
export function setData(node, key, value) {
  const text = value === null || value === undefined ? "" : String(value);
  if (node.dataset[key] !== text) node.dataset[key] = text;
}

/**
 * Sets a node's class list to `base` and a tone (`good`, `bad`, ...; none when empty), if it differs.
 * @param {Element} node
 * @param {string} base
 * @param {string} [tone]
 */
export function setTone(node, base, tone) {
  const name = tone ? `${base} ${tone}` : base;
  if (node.className !== name) node.className = name;
}
