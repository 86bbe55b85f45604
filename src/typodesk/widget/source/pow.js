/* typodesk widget, proof-of-work solver: the build puts it in front of dialog.js, whose `post`
 * calls it only when the site asks for it (site options `pow`, or a report refused for want of
 * one). Inline rather than a part of its own: 0.2 KB gzipped inside the dialog, where a separate
 * file would have cost its own request and taken the widget over its 9 KB budget. `solve`
 * takes the loader's context X, fetches a challenge (GET /widget/pow/<site key> beside the API,
 * typodesk.abuse.pow; no cookie is set or needed) and resolves to the ALTCHA payload (base64 JSON)
 * that goes with the report as `pow`.
 * The ALTCHA v1 search: the number n with SHA-256(salt + n) == challenge, 0 <= n <= maxNumber.
 * Hashes are taken in batches with crypto.subtle (a secure context: HTTPS or localhost), so the
 * browser's crypto thread does the work and the page stays responsive. */
// (Site keys are letters and digits: the key goes into the path as it is.)
const solve = async X => {
  const c = await (await fetch(new URL('../../widget/pow/' + X.SITE, X.api))).json(), e = new TextEncoder();
  const hex = b => [...new Uint8Array(b)].map(x => (x + 256).toString(16).slice(1)).join('');
  for (let n = 0; n <= c.maxNumber; n += 500) {
    const i = (await Promise.all([...Array(500)].map((_, k) => crypto.subtle.digest('SHA-256', e.encode(c.salt + (n + k))))))
      .findIndex(b => hex(b) == c.challenge);
    if (i >= 0) return btoa(JSON.stringify(Object.assign(c, { number: n + i }))); // maxNumber rides along, ignored
  }
  throw 0;
};
