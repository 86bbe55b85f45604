/* typodesk corrections note: the article's published corrections, at the end of the article. */
/* Imported by the loader only on pages whose script tag has data-corrections="on" (docs/widget.md,
 * docs/corrections.md), after the DOM is there. One request for the page's corrections (public,
 * cached a minute by the browser); nothing is drawn when there are none. The note is appended to
 * the end of the (last) article root, inside a shadow root: below the text, so nothing above the
 * reader's view moves, and outside the page's text, so it is never part of a reported quote.
 * The build (typodesk.widget.build) minifies this file and writes in __CSS__, __NAMES__ and
 * __STRINGS__ (corrections.css, corrections.json). */
const L = __STRINGS__;

export default X => {
  const T = {}, doc = document, el = (tag, text) => {
    const e = doc.createElement(tag);
    if (text) e.textContent = text;
    return e;
  };
  (L[X.CODE] || L.en).split('|').forEach((s, i) => { T['__NAMES__'.split(' ')[i]] = s; });
  const page = location.href.split('#')[0];
  const api = new URL('../api/v1/sites/' + encodeURIComponent(X.SITE) + '/corrections?url=' + encodeURIComponent(page), import.meta.url);
  return fetch(api, { credentials: 'omit' }).then(r => r.ok ? r.json() : {}).then(d => {
    const list = d.corrections || [];
    if (!list.length) return;
    // The newest first: its date is the one the summary line gives.
    const day = iso => new Date(iso).toLocaleDateString(X.LANG || X.CODE, { day: 'numeric', month: 'long', year: 'numeric' });
    const clarified = list.every(c => c.kind == 'clarification');
    const host = el('typodesk-corrections'), sr = host.attachShadow({ mode: 'open' });
    host.setAttribute('data-typodesk-ui', '');
    try {
      const s = new CSSStyleSheet();
      s.replaceSync(__CSS__);
      sr.adoptedStyleSheets = [s];
    } catch (e) { /* no constructed style sheets: the note keeps the page's own styles */ }
    const aside = el('aside'), details = el('details'), ul = el('ul');
    aside.lang = X.CODE;
    aside.setAttribute('aria-label', T.title);
    details.append(el('summary', (clarified ? T.clar : T.corr).replace('{date}', day(list[0].published))));
    for (const c of list) {
      const li = el('li'), b = el('b', (c.kind == 'clarification' ? T.kclar : T.kcorr) + ', ' + day(c.published) + ': ');
      li.append(b, c.text);
      ul.append(li);
    }
    details.append(ul);
    aside.append(details);
    sr.append(aside);
    const roots = X.roots();
    roots[roots.length - 1].append(host);
  }).catch(() => 0);
};
