/**
 * @module resume_mark_repo
 * The persisted not-resumable marks, so a model that refused a continuation
 * is not sent another after a restart. Rows go when their backend is edited
 * (by the admin layer, in the edit's transaction) or deleted (by cascade).
 */
import type { DatabaseSync } from "node:sqlite";
import { z } from "zod";
import type { ResumeMark } from "../engine/resume_marks.ts";

const MarkRow = z.object({
  backend_id: z.string(),
  model: z.string(),
  marked_at: z.union([z.number(), z.bigint()]).transform((v) => Number(v)),
});

/** Reads and writes `resume_marks`. */
export function createResumeMarkRepo(db: DatabaseSync) {
  const all = db.prepare("SELECT * FROM resume_marks ORDER BY marked_at");
  const upsert = db.prepare(
    // Written behind: the backend may have been deleted while this waited in the queue.
    `INSERT INTO resume_marks (backend_id, model, marked_at)
     SELECT ?, ?, ? WHERE EXISTS (SELECT 1 FROM backends WHERE id = ?)
     ON CONFLICT(backend_id, model) DO UPDATE SET marked_at = excluded.marked_at`,
  );
  const clear = db.prepare("DELETE FROM resume_marks WHERE backend_id = ?");

  return {
    /** Every stored mark, oldest first; unreadable rows are skipped (the model is simply tried). */
    loadAll(): ResumeMark[] {
      const out: ResumeMark[] = [];
      for (const raw of all.all()) {
        const r = MarkRow.safeParse(raw);
        if (r.success) {
          out.push({
            backendId: r.data.backend_id,
            model: r.data.model,
            markedAt: r.data.marked_at,
          });
        }
      }
      return out;
    },
    save(m: ResumeMark): void {
      upsert.run(m.backendId, m.model, m.markedAt, m.backendId);
    },
    /** Removes the backend's marks; the number removed. */
    clear(backendId: string): number {
      return Number(clear.run(backendId).changes);
    },
  };
}
export type ResumeMarkRepo = ReturnType<typeof createResumeMarkRepo>;
