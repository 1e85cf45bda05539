/**
 * Selection and scrolling of a list that is drawn only where it is visible
 * (millions of rows, a screenful built at a time). `follow` keeps the last
 * row selected as rows arrive, until the user moves away (End resumes it).
 */
export class Scroller {
  sel = 0;
  top = 0;
  follow = false;

  /** Brings selection and top within bounds for `count` rows in `height` lines. */
  clamp(count: number, height: number): void {
    if (count <= 0) {
      this.sel = 0;
      this.top = 0;
      return;
    }
    if (this.follow) this.sel = count - 1;
    if (this.sel >= count) this.sel = count - 1;
    if (this.sel < 0) this.sel = 0;
    const h = Math.max(1, height);
    if (this.sel < this.top) this.top = this.sel;
    if (this.sel >= this.top + h) this.top = this.sel - h + 1;
    if (this.top > count - h) this.top = Math.max(0, count - h);
    if (this.top < 0) this.top = 0;
  }

  /** For a pane without a selection: keeps `top` within the rows; `follow` sticks it to the bottom. */
  clampView(count: number, height: number): void {
    const max = Math.max(0, count - Math.max(1, height));
    if (this.follow || this.top > max) this.top = max;
    if (this.top < 0) this.top = 0;
  }

  /** Moves the selection by `delta` rows (negative: up); leaving the end stops following. */
  move(delta: number, count: number): void {
    this.sel = Math.max(0, Math.min(count - 1, this.sel + delta));
    this.follow = false;
  }

  home(): void {
    this.sel = 0;
    this.top = 0;
    this.follow = false;
  }

  end(count: number, follow: boolean): void {
    this.sel = Math.max(0, count - 1);
    this.follow = follow;
  }

  /** Scrolls the view (mouse wheel) without moving past the rows; the selection stays in view. */
  scroll(delta: number, count: number, height: number): void {
    this.top = Math.max(0, Math.min(Math.max(0, count - height), this.top + delta));
    if (this.sel < this.top) this.sel = this.top;
    if (this.sel >= this.top + height) this.sel = this.top + height - 1;
    this.follow = false;
  }
}
