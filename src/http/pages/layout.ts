import { escapeHtml } from '../../domain/transcript';

/** HTML that is already escaped; only `html` and the page renderers make it. */
export interface Html {
  readonly __html: string;
}

const raw = (s: string): Html => ({ __html: s });

/** Tagged template that escapes every interpolated value unless it is already `Html`. */
export const html = (strings: TemplateStringsArray, ...values: readonly (string | number | Html | readonly Html[])[]): Html =>
  raw(
    strings.reduce((out, s, i) => {
      const v = values[i - 1];
      const text =
        v === undefined
          ? ''
          : typeof v === 'string' || typeof v === 'number'
            ? escapeHtml(String(v))
            : '__html' in v
              ? v.__html
              : v.map((x) => x.__html).join('');
      return out + text + s;
    }),
  );

const STYLE = `
  body { font: 15px/1.5 system-ui, sans-serif; margin: 0; color: #1d2433; background: #f6f7f9; }
  main { max-width: 760px; margin: 2rem auto; padding: 1.5rem 2rem; background: #fff; border-radius: 8px; box-shadow: 0 1px 3px #0002; }
  h1 { font-size: 1.4rem; margin-top: 0; } h2 { font-size: 1.1rem; margin-top: 1.6rem; }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; } dt { color: #5b6475; } dd { margin: 0; }
  h3 { font-size: 1rem; margin-top: 1.2rem; }
  a { color: #1f4fa8; overflow-wrap: anywhere; }
  .msg { padding: .5rem .75rem; margin: .4rem 3rem .4rem 0; border-radius: 6px; background: #eef1f6; border-left: 4px solid #8a94a8; }
  .msg.visitor { background: #e7f4ea; border-left-color: #2f8a4a; } .msg.operator { margin: .4rem 0 .4rem 3rem; }
  .msg .body { white-space: pre-wrap; overflow-wrap: anywhere; } .meta { color: #5b6475; font-size: .85rem; }
  .role { display: inline-block; margin-right: .35rem; padding: 0 .4rem; border-radius: 4px; background: #fff; color: #1d2433; font-weight: 600; font-size: .75rem; letter-spacing: .02em; text-transform: uppercase; }
  .status { display: inline-block; padding: .1rem .6rem; border-radius: 99px; font-weight: 600; }
  .ok { background: #e7f4ea; color: #1f6b35; } .pending { background: #fff4d6; color: #7a5b00; } .failed { background: #fde8e8; color: #8a1c1c; }
  footer { color: #5b6475; font-size: .8rem; margin-top: 2rem; }
`;

export const page = (title: string, body: Html): string =>
  html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · chat2crm</title><style>${raw(STYLE)}</style></head>
<body><main>${body}<footer>chat2crm</footer></main></body></html>`.__html;
