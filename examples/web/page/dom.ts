// Two DOM helpers, so the page needs no framework. Text always goes in as text (never as HTML), so
// what the server sends (masked addresses, mail bodies) cannot inject markup.

type Attributes = Record<string, string | boolean | undefined>

/** An element with attributes (true: present, false or undefined: absent) and children. */
export function h<K extends keyof HTMLElementTagNameMap> (tag: K, attributes: Attributes = {}, ...children: Array<Node | string>): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag)
  for (const [name, value] of Object.entries(attributes)) {
    if (value === true) element.setAttribute(name, '')
    else if (typeof value === 'string') element.setAttribute(name, value)
  }
  element.append(...children)
  return element
}

/** The element with this id, of this type; the page is broken without it. */
export function byId<T extends HTMLElement> (id: string, type: new () => T): T {
  const found = document.getElementById(id)
  if (!(found instanceof type)) throw new Error(`#${id} is missing from the page`)
  return found
}
