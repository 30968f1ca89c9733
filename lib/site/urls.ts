// Where each page lives on the site. Every URL is relative, so the static copy
// works from any folder an instructor hosts it in.

export const lessonUrl = (slug: string) => `${slug}.html`;
/** A kit file (path relative to the kit, '/'-separated) shown as a page. */
export const fileUrl = (rel: string) => `files/${rel.split(/[\\/]/).map(encodeURIComponent).join('/')}.html`;
/** An image from the kit, served as it is. */
export const mediaUrl = (rel: string) => `media/${rel.split(/[\\/]/).map(encodeURIComponent).join('/')}`;

/** Ids the page template adds around a lesson, so lessons may link to them. */
export const PAGE_IDS = ['content', 'contents', 'task', 'last-grade'];

/** From a page at `pagePath` (e.g. files/labs/x/y.ts.html) back to the site's root: '../../../'. */
export const rootFrom = (pagePath: string) => '../'.repeat(pagePath.split('/').length - 1);
