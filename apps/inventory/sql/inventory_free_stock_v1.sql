-- inventory_free_stock: the ONE definition of "free units" — what a shopper can buy now.
--
-- Per stock row of an active warehouse: on_hand − reserved, with the units of holds that have
-- expired (still ``active`` because the sweeper has not run yet) counted as free: the next
-- ``inventory_reserve`` on the row reclaims them, so they never block a sale. Every reader of
-- availability uses this function (through ``apps/inventory/sql.py``): the inventory
-- selectors (per variant, summed over the rows), the cart's lines, low-stock alerts and the
-- dashboard's low-stock list (per row). It may be negative on a row whose counters drifted;
-- readers clamp sums at 0.
--
-- The writes that take units under lock (``inventory_reserve``, a commit re-taking released
-- holds) do not call it: they release the expired holds they find and count the units they
-- freed, which is the same number for the rows they locked.
--
-- A plain SQL set-returning function, STABLE, without SET clauses: PostgreSQL inlines it into
-- the calling query (no function call at run time), so ``WHERE variant_id = ANY(...)`` or
-- ``WHERE stock_level_id = ...`` of the caller reaches the stock table's indexes.
CREATE OR REPLACE FUNCTION inventory_free_stock(p_now timestamptz)
RETURNS TABLE (stock_level_id bigint, variant_id bigint, warehouse_id bigint, units integer)
LANGUAGE sql STABLE AS $fn$
    SELECT s.id, s.variant_id, s.warehouse_id,
           s.on_hand - s.reserved
           + coalesce((SELECT sum(r.quantity)::integer FROM inventory_reservation r
                       WHERE r.stock_level_id = s.id AND r.state = 'active'
                         AND r.expires_at <= p_now), 0)
    FROM inventory_stocklevel s
    JOIN inventory_warehouse w ON w.id = s.warehouse_id AND w.active
$fn$;
