/**
 * @module pools_page
 * `/pools`: pools in priority order with their members, and the pool form.
 */
import type { FC } from "hono/jsx";
import { PoolForm, type PoolFormProps } from "./pool_form.tsx";
import { PoolTable, type PoolTableProps } from "./pool_table.tsx";

/** The pools page's content. */
export const PoolsPage: FC<{ table: PoolTableProps; form: PoolFormProps }> = (p) => (
  <>
    <div class="page-head">
      <div>
        <h1>Pools</h1>
        <p>
          Failover tiers: requests go to the lowest-priority pool that has a usable backend; inside
          a pool, backends share traffic by weight.
        </p>
      </div>
    </div>
    <PoolTable {...p.table} />
    <PoolForm {...p.form} />
  </>
);
