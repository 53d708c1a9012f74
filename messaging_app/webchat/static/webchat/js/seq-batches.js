// What a message carries beside its body (reactions, files), read by seq
// range: the seqs the message list draws are gathered until the current task
// ends, then read RANGE at a time (`read`), each answer handed to `apply`.
// An answer for a conversation no longer open (its generation changed) is
// dropped.

/** Most seqs one request spans (the API's from_seq..to_seq limit). */
export const RANGE = 200;

export class SeqBatches {
  /** current: the open conversation's state; read(id, from, to): one range's
   * answer (a promise); apply(answer, from, to): use it. */
  constructor(current, read, apply) {
    Object.assign(this, { current, read, apply });
    this.reset();
  }

  reset() {
    clearTimeout(this.timer);
    this.asked = new Set();    // seqs already asked for
    this.waiting = new Set();  // seqs to ask for in the next batch
    this.timer = null;
  }

  /** Ask for seq's data (once per conversation). */
  want(seq) {
    if (this.asked.has(seq)) return;
    this.asked.add(seq);
    this.waiting.add(seq);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(), 0);
  }

  async flush() {
    const seqs = [...this.waiting].sort((a, b) => a - b);
    this.waiting.clear();
    const { id, generation } = this.current;
    while (seqs.length && id) {
      const from = seqs[0];
      const to = Math.min(seqs[seqs.length - 1], from + RANGE);
      while (seqs.length && seqs[0] <= to) seqs.shift();
      let found;
      try {
        found = await this.read(id, from, to);
      } catch {
        return;  // left empty; the next events or pages fill them
      }
      if (generation !== this.current.generation) return;
      this.apply(found, from, to);
    }
  }
}
