/*! typodesk widget: select a mistake, press Ctrl+Enter (Cmd+Enter on a Mac).
 * <script src="https://DESK/widget.js" data-site="KEY" [data-root="CSS"] [data-lang="en"] defer>
 * Canonical text: keep in step with src/typodesk/text/canonical.py (vectors.json tests both). */
(() => {
  'use strict';
  if (window.typodesk) return; // embedded twice
  const me = document.currentScript, doc = document;
  const cfg = n => ((me && me.getAttribute('data-' + n)) || '').trim();
  const SITE = cfg('site'), ROOT = cfg('root'), LANG = cfg('lang');
  const API = me && me.src ? new URL(me.src).origin : location.origin;

  /* ---- canonical text ---- */
  const BLOCK = new Set(('p div li ul ol dl dt dd h1 h2 h3 h4 h5 h6 blockquote pre table tr td th section ' +
    'article aside header footer nav figure figcaption main').split(' '));
  const SKIP = new Set(['script', 'style', 'noscript', 'template']);
  // Ignorables go before NFC (removing one can join a letter and its mark); white space is
  // exactly Unicode White_Space, spelled out because JS \s differs from it.
  const collapse = s => s.replace(/[\xad\u200b\u2060\ufeff]/g, '').normalize('NFC')
    .replace(/[\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/g, ' ');
  const canon = s => collapse(s).replace(/^ | $/g, '');

  // The roots: data-root matches (outermost only), else article, main, body.
  const roots = arg => {
    let r = [];
    if (arg && typeof arg != 'string') r = arg.nodeType ? [arg] : [...arg];
    else if (arg || ROOT) try { r = [...doc.querySelectorAll(arg || ROOT)]; } catch (e) { /* invalid */ }
    r = r.filter(el => !r.some(o => o != el && o.contains(el)));
    return r.length ? r : [doc.querySelector('article') || doc.querySelector('main') || doc.body || doc.documentElement];
  };
  const skip = el => SKIP.has(el.localName) || el.hasAttribute('hidden') || el.hasAttribute('data-typodesk-ui') ||
    /^[\t\n\f\r ]*true[\t\n\f\r ]*$/i.test(el.getAttribute('aria-hidden'));

  // Raw text of the roots and, for a range rg, the raw offsets a, b of its start and end
  // (clamped to the roots). An explicit stack: deep pages can't overflow it.
  const walk = (rs, rg) => {
    let raw = '', a = 0, b = 0, past = !rg;
    // Where point (n, o) is: -1 before the range, 0 in it, 1 after it (then so is all the rest).
    const cmp = (n, o) => {
      if (past) return 1;
      const c = rg.comparePoint(n, o);
      past = c > 0;
      return c;
    };
    const space = (n, o) => {
      raw += ' ';
      const c = cmp(n, o);
      if (c < 0) a = raw.length;
      if (c <= 0) b = raw.length;
    };
    for (const root of rs) {
      const st = [root];
      while (st.length) {
        const n = st.pop();
        if (Array.isArray(n)) space(n[0], n[0].childNodes.length); // end of a block
        else if (n.nodeType == 3) {
          const L = n.length, at = raw.length;
          raw += n.data;
          if (!past && L) {
            const s = n == rg.startContainer ? rg.startOffset : cmp(n, 0) < 0 ? L : 0;
            const e = n == rg.endContainer ? rg.endOffset : cmp(n, L) > 0 ? 0 : L;
            if (s) a = at + s;
            if (e) b = at + e;
          }
        } else if (n.nodeType == 1 && !skip(n)) {
          if (n.localName == 'br' || n.localName == 'hr') space(n, 0);
          else {
            if (n == root || BLOCK.has(n.localName)) { space(n, 0); st.push([n]); }
            for (let c = n.lastChild; c; c = c.previousSibling) st.push(c);
          }
        }
      }
    }
    return [raw, a, b];
  };

  const cps = s => [...s].length;
  // The selection as {q: quote, text, s, e} (s, e: UTF-16 offsets in text) or {error}. Each
  // boundary is found by normalizing the raw text before (after) it: the result is a prefix
  // (suffix) of the whole canonical text up to that boundary.
  const quote = () => {
    const sel = getSelection();
    if (!sel || !sel.rangeCount || sel.isCollapsed) return { error: 'empty' };
    let raw, a, b;
    try { [raw, a, b] = walk(roots(), sel.getRangeAt(0)); } catch (err) { return { error: 'outside' }; }
    const text = canon(raw), pre = collapse(raw.slice(0, a)).replace(/^ /, ''), post = collapse(raw.slice(b)).replace(/ $/, '');
    let s = 0, e = text.length, i = post.length;
    while (s < e && text[s] == pre[s]) s++;
    while (e > 0 && text[e - 1] == post[--i]) e--;
    const part = k => /^[\p{M}\udc00-\udfff]/u.test(text.slice(k, k + 2)); // mark, low surrogate
    while (s > 0 && part(s)) s--; // never split a character
    while (e < text.length && part(e)) e++;
    while (text[s] == ' ') s++;
    while (e > s && text[e - 1] == ' ') e--;
    if (e <= s) return { error: 'outside' };
    const exact = text.slice(s, e), start = cps(text.slice(0, s)), end = start + cps(exact);
    if (end - start > 1000) return { error: 'long' };
    return {
      q: {
        exact,
        prefix: [...text.slice(Math.max(0, s - 64), s)].slice(-32).join(''),
        suffix: [...text.slice(e, e + 64)].slice(0, 32).join(''),
        start, end,
      }, text, s, e,
    };
  };

  /* ---- strings ---- */
  const S = {
    en: ['Report a mistake', 'Suggested correction', 'Comment (optional)', 'Send', 'Cancel', 'Close',
      'Select the mistake in the article text, then press Ctrl+Enter.',
      'The selection is too long: select at most 1000 characters.', 'Sending…',
      'Thank you! The editors have received your report.',
      'Could not send the report. Check your connection and try again.',
      'Try again in {n} seconds.', 'The report was not accepted.'],
    ru: ['Сообщить об ошибке', 'Предлагаемое исправление', 'Комментарий (необязательно)', 'Отправить', 'Отмена', 'Закрыть',
      'Выделите ошибку в тексте статьи и нажмите Ctrl+Enter.',
      'Выделен слишком большой фрагмент: не более 1000 символов.', 'Отправка…',
      'Спасибо! Редакция получила ваше сообщение.',
      'Не удалось отправить сообщение. Проверьте подключение и попробуйте ещё раз.',
      'Повторите попытку через {n} с.', 'Сообщение не принято.'],
    uk: ['Повідомити про помилку', 'Запропоноване виправлення', 'Коментар (необовʼязково)', 'Надіслати', 'Скасувати', 'Закрити',
      'Виділіть помилку в тексті статті та натисніть Ctrl+Enter.',
      'Виділено завеликий фрагмент: не більше 1000 символів.', 'Надсилання…',
      'Дякуємо! Редакція отримала ваше повідомлення.',
      'Не вдалося надіслати повідомлення. Перевірте зʼєднання та спробуйте ще раз.',
      'Спробуйте ще раз через {n} с.', 'Повідомлення не прийнято.'],
    az: ['Səhv barədə xəbər verin', 'Təklif olunan düzəliş', 'Şərh (istəyə bağlı)', 'Göndər', 'Ləğv et', 'Bağla',
      'Məqalənin mətnində səhvi seçin və Ctrl+Enter düymələrini basın.',
      'Seçilmiş hissə çox uzundur: ən çoxu 1000 simvol seçin.', 'Göndərilir…',
      'Təşəkkür edirik! Redaksiya bildirişinizi aldı.',
      'Bildirişi göndərmək mümkün olmadı. İnternet bağlantınızı yoxlayın və yenidən cəhd edin.',
      '{n} saniyə sonra yenidən cəhd edin.', 'Bildiriş qəbul edilmədi.'],
    tr: ['Hata bildir', 'Önerilen düzeltme', 'Yorum (isteğe bağlı)', 'Gönder', 'İptal', 'Kapat',
      'Makale metnindeki hatayı seçin ve Ctrl+Enter tuşlarına basın.',
      'Seçim çok uzun: en fazla 1000 karakter seçin.', 'Gönderiliyor…',
      'Teşekkürler! Bildiriminiz editörlere ulaştı.',
      'Bildirim gönderilemedi. Bağlantınızı kontrol edip tekrar deneyin.',
      '{n} saniye sonra tekrar deneyin.', 'Bildirim kabul edilmedi.'],
  };
  const KEYS = 'title sug com send cancel ok sel long sending thanks net retry fail'.split(' ');
  const lang = () => LANG || (doc.documentElement.lang || '').trim();

  /* ---- the dialog: Shadow DOM, no inline style, no innerHTML, so a strict CSP is fine ---- */
  const CSS = ':host{all:initial}dialog{box-sizing:border-box;width:min(34em,95vw);padding:1.2em;border:0;' +
    'border-radius:10px;background:#fff;color:#222;font:16px/1.45 system-ui,sans-serif;text-align:start}' +
    'dialog::backdrop{background:#0007}h2{margin:0 0 .6em;font-size:1.2em}p{margin:0}' +
    '.q{max-height:9em;overflow:auto;padding:.5em;background:#f3f3f3}mark{background:#fd5}' +
    'label{display:block;margin:.8em 0 .2em;font-weight:600}textarea{box-sizing:border-box;width:100%;font:inherit}' +
    '.st{min-height:1.5em;margin:.8em 0}.err{color:#b00}.row{display:flex;gap:.6em;justify-content:flex-end}' +
    'button{font:inherit;padding:.4em 1em}';
  const h = (tag, attrs, ...kids) => {
    const el = doc.createElement(tag);
    for (const k in attrs) el.setAttribute(k, attrs[k]);
    el.append(...kids); // strings become text nodes, never markup
    return el;
  };
  const button = (label, fn) => {
    const el = h('button', { type: 'button' }, label);
    el.onclick = fn;
    return el;
  };
  let host, sr, dlg, T, prev, prevRange, primary, timer, seq = 0;
  const close = () => dlg.open && dlg.close();

  const setup = () => {
    host = h('typodesk-widget', { 'data-typodesk-ui': '' });
    sr = host.attachShadow({ mode: 'open' });
    try { const css = new CSSStyleSheet(); css.replaceSync(CSS); sr.adoptedStyleSheets = [css]; } catch (e) { sr.append(h('style', {}, CSS)); }
    sr.append(dlg = h('dialog', { 'aria-labelledby': 'td-t' }));
    for (const t of ['keydown', 'keyup', 'keypress']) {
      dlg.addEventListener(t, e => dlg.open && e.stopPropagation()); // keep page shortcuts out
    }
    dlg.addEventListener('keydown', e => {
      if (dlg.open && e.key == 'Enter' && (e.ctrlKey || e.metaKey) && !e.isComposing) { e.preventDefault(); primary(); }
    });
    dlg.addEventListener('close', () => { // back to where the reader was, unless they moved on
      if (dlg.open) return;
      clearTimeout(timer);
      seq++;
      const a = sr.activeElement, s = getSelection();
      if (prev && [host, doc.body, null].includes(doc.activeElement)) prev.focus({ preventScroll: true });
      if (a && sr.activeElement == a) a.blur();
      if (prevRange && (s.isCollapsed || host.contains(s.anchorNode))) { s.removeAllRanges(); s.addRange(prevRange); }
    });
  };

  // One view in the dialog: the status line `st` (described by it when `desc`), `focus` focused,
  // `act` run by Ctrl+Enter.
  const show = (kids, st, focus, act, desc) => {
    if (!host) setup();
    if (!host.isConnected) (doc.body || doc.documentElement).append(host);
    dlg.dir = doc.dir == 'rtl' ? 'rtl' : 'ltr';
    dlg.lang = T.code;
    st.id = 'td-m';
    st.setAttribute('role', 'status');
    st.className = 'st';
    dlg.replaceChildren(h('h2', { id: 'td-t' }, T.title), ...kids);
    dlg[desc ? 'setAttribute' : 'removeAttribute']('aria-describedby', 'td-m');
    primary = act;
    if (!dlg.open) dlg.showModal();
    focus.focus();
  };

  const message = msg => {
    seq++;
    const st = h('p', {}, msg), ok = button(T.ok, close);
    show([st, h('div', { class: 'row' }, ok)], st, ok, close, 1);
  };

  const report = ({ q, text, s, e }) => {
    const my = ++seq;
    const area = id => h('textarea', { id, rows: 2, dir: 'auto', maxlength: 2000 }); // the API's limit
    const sug = area('td-s'), com = area('td-c');
    sug.value = q.exact;
    // The sentence around the selection, as far as punctuation tells.
    const before = text.slice(Math.max(0, s - 120), s).replace(/^[^]*[.!?…。؟] /, '');
    const after = text.slice(e, e + 120).match(/^[^]*?([.!?…。؟](?= |$)|$)/)[0];
    const form = h('div', {}, h('p', { class: 'q', dir: 'auto' }, before, h('mark', {}, q.exact), after),
      h('label', { for: 'td-s' }, T.sug), sug, h('label', { for: 'td-c' }, T.com), com);
    const st = h('p', { 'aria-live': 'polite' });
    const say = (msg, err) => { st.textContent = msg; st.className = err ? 'st err' : 'st'; };
    let busy;
    const send = async () => {
      if (busy) return;
      const p = { site: SITE, url: location.href, title: [...doc.title].slice(0, 500).join(''), lang: lang() || undefined, quote: q };
      const sg = sug.value.trim(), cm = com.value.trim();
      if (sg != q.exact) p.suggestion = sg;
      if (cm) p.comment = cm;
      busy = sendBtn.disabled = true;
      say(T.sending);
      let res, j = {};
      try {
        res = await fetch(API + '/api/v1/reports', {
          method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: JSON.stringify(p),
          credentials: 'omit', mode: 'cors',
        });
        j = await res.json().catch(() => ({}));
      } catch (err) { /* network failure: res stays undefined */ }
      if (my != seq) return; // closed meanwhile
      busy = sendBtn.disabled = false;
      if (!res) return say(T.net, 1);
      if (res.status == 201) {
        form.hidden = true;
        say(T.thanks);
        const ok = button(T.ok, close);
        row.replaceChildren(ok);
        primary = close;
        ok.focus();
        timer = setTimeout(close, 5000);
        return;
      }
      // Retry-After is readable cross-origin only with Access-Control-Expose-Headers.
      const n = res.status == 429 && (parseInt(res.headers.get('Retry-After')) || j.retry_after);
      say((j.error || T.fail + ' (' + res.status + ')') + (n > 0 ? ' ' + T.retry.replace('{n}', n) : ''), 1);
    };
    const sendBtn = button(T.send, send);
    sendBtn.setAttribute('aria-keyshortcuts', 'Control+Enter Meta+Enter');
    const row = h('div', { class: 'row' }, sendBtn, button(T.cancel, close));
    show([form, st, row], st, sug, send);
  };

  const open = () => {
    const code = lang().toLowerCase().split(/[-_]/)[0], list = S[code] || S.en;
    T = { code: S[code] ? code : 'en' };
    KEYS.forEach((k, i) => { T[k] = list[i]; });
    const sel = getSelection();
    prevRange = sel && sel.rangeCount ? sel.getRangeAt(0).cloneRange() : null;
    prev = doc.activeElement == host ? null : doc.activeElement;
    const r = quote();
    if (r.error) message(r.error == 'long' ? T.long : T.sel);
    else report(r);
  };

  addEventListener('keydown', e => {
    const t = e.target; // Ctrl+Enter in the page's own fields is the page's
    if (e.key != 'Enter' || !(e.ctrlKey || e.metaKey) || e.isComposing || e.defaultPrevented ||
      (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) || (dlg && dlg.open)) return;
    e.preventDefault();
    open();
  });

  window.typodesk = Object.freeze({
    version: '0.1.0',
    // Canonical text of the configured root(s), or of rootEl: an element, a list, a selector.
    canonicalText: rootEl => canon(walk(roots(rootEl))[0]),
    // {exact, prefix, suffix, start, end} for the current selection, or {error}.
    capture: () => { const r = quote(); return r.error ? { error: r.error } : { ...r.q }; },
  });
})();
