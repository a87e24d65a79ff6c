/**
 * @module resume_marks
 * Which (backend, upstream model) pairs refused a continuation. A backend
 * may accept prefill for one model and answer 400 for another, so the mark
 * is per model; it lasts until an admin edits the backend, since only a
 * changed configuration makes a retry worth its failed request.
 */

/** One (backend, upstream model) that refused a continuation, since `markedAt` (epoch ms). */
export interface ResumeMark {
  backendId: string;
  model: string;
  markedAt: number;
}

/**
 * Marks kept per backend. Upstream model names can come from clients (no
 * `model_map`), so memory is bounded; past this the oldest mark goes, which
 * costs at most one more refused continuation for its model.
 */
export const MAX_MARKS_PER_BACKEND = 256;

/** Called when a new mark is made, so it can be persisted. */
export type ResumeMarkListener = (mark: ResumeMark) => void;

/** The marks in memory, by backend then model. */
export class ResumeMarks {
  #byBackend = new Map<string, Map<string, number>>();
  readonly #onMark: ResumeMarkListener;

  constructor(onMark: ResumeMarkListener = () => {}) {
    this.#onMark = onMark;
  }

  /** Seeds marks read from the store, without telling the listener. */
  load(marks: Iterable<ResumeMark>): void {
    const sorted = [...marks].sort((a, b) => a.markedAt - b.markedAt);
    for (const m of sorted) this.#add(m.backendId, m.model, m.markedAt);
  }

  /**
   * Marks `model` of `backendId`; false when it was marked already (the
   * first instant is kept: it is when the refusals began).
   */
  mark(backendId: string, model: string, now: number): boolean {
    if (this.has(backendId, model)) return false;
    this.#add(backendId, model, now);
    this.#onMark({ backendId, model, markedAt: now });
    return true;
  }

  /** Whether `model` of `backendId` is marked. */
  has(backendId: string, model: string): boolean {
    return this.#byBackend.get(backendId)?.has(model) ?? false;
  }

  /** The backend's marks, by model name. */
  of(backendId: string): ResumeMark[] {
    const models = this.#byBackend.get(backendId);
    if (!models) return [];
    return [...models].sort(([a], [b]) => a.localeCompare(b)).map(([model, markedAt]) => ({
      backendId,
      model,
      markedAt,
    }));
  }

  /** Forgets the backend's marks (memory only: the caller owns the stored copy). */
  clear(backendId: string): void {
    this.#byBackend.delete(backendId);
  }

  #add(backendId: string, model: string, markedAt: number): void {
    let models = this.#byBackend.get(backendId);
    if (!models) this.#byBackend.set(backendId, models = new Map());
    // Insertion order is age order: the first key is the oldest mark.
    if (!models.has(model) && models.size >= MAX_MARKS_PER_BACKEND) {
      models.delete(models.keys().next().value!);
    }
    models.set(model, markedAt);
  }
}
