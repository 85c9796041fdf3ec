-- inventory_reserve: the whole of ``apps.inventory.services.reserving.reserve`` in ONE call.
--
-- Why a function: a reservation is a few small statements (reference lock, snapshot, plan,
-- conditional UPDATE, hold insert). Run from Python they cost one client round trip each and,
-- worse, the hot SKU's row stayed locked across those round trips. Here they run inside
-- PostgreSQL: one round trip per reservation, and the row lock lasts microseconds.
--
-- Created in each store's schema (tenant migration; new stores are cloned with it) and reads
-- the store's tables through the caller's search_path like every other query of the store.
--
-- Guarantees (architecture §3 step 2; lock order in apps/inventory/locks.py):
-- * all lines or none; a line may be split across warehouses, highest priority first;
-- * the fast path takes each stock row with ONE conditional UPDATE
--   (``WHERE on_hand - reserved >= q``), rows in id order, so no oversell and no deadlock;
-- * the locked path (the reference already holds stock, a row changed under the fast path, or
--   a shortage that expired holds may cover) locks the holds to release, then the stock rows,
--   in id order; releases the reference's previous holds (``replaced``) and expired holds on
--   those rows (``expired``) — an expired hold never blocks a sale, even with Celery stopped;
-- * a shortage writes nothing and returns the short lines.
--
-- Returns jsonb: {"minutes": m, "holds": [[id, stock_level_id, variant_id, warehouse_id,
-- quantity], ...], "low": [variant ids now below their threshold with no open alert]} or
-- {"minutes": m, "short": [{"variant_id", "requested", "available"}, ...]}.
CREATE OR REPLACE FUNCTION inventory_reserve(
    p_reference text,
    p_variant_ids bigint[],     -- one entry per line, no duplicates
    p_quantities integer[],     -- the lines' quantities, same order
    p_minutes integer,          -- NULL: the store's reservation_minutes
    p_now timestamptz,
    p_batch uuid,
    p_lock_class integer,
    p_lock_key integer,
    p_default_minutes integer,
    p_default_threshold integer,
    p_relaxed boolean           -- the caller's transaction is this call: commit asynchronously
) RETURNS jsonb
LANGUAGE plpgsql VOLATILE AS $fn$
DECLARE
    v_minutes integer;
    v_threshold integer;
    v_expires timestamptz;
    v_locked boolean := false;
    v_taken boolean := false;
    v_holds_stock boolean;
    v_expired_on_short boolean;
    -- the plan: rows to take from, in id order
    t_ids bigint[];
    t_qty integer[];
    t_variants bigint[];
    t_warehouses bigint[];
    v_short jsonb;
    v_low jsonb;
    v_short_variants bigint[];
    -- planning, per line (same positions as p_variant_ids)
    l_remaining integer[];
    l_left bigint[];
    l_threshold integer[];
    v_line integer;
    v_take integer;
    v_row record;
    v_low_candidates bigint[];
    -- the locked path: holds to release and the units they free per stock row
    h_ids bigint[] := '{}';
    f_ids bigint[] := '{}';
    f_qty integer[] := '{}';
    v_hold_ids bigint[];
BEGIN
    PERFORM pg_advisory_xact_lock(p_lock_class, p_lock_key);
    IF p_relaxed THEN
        -- A hold is a soft, expiring promise: see reserve() for why this is safe.
        PERFORM set_config('synchronous_commit', 'off', true);
    END IF;

    SELECT s.reservation_minutes, s.low_stock_threshold INTO v_minutes, v_threshold
    FROM preferences_storesettings s WHERE s.id = 1;  -- StoreSettings.SINGLETON_PK
    v_minutes := coalesce(p_minutes, v_minutes, p_default_minutes);
    v_threshold := coalesce(v_threshold, p_default_threshold);
    v_expires := p_now + make_interval(mins => v_minutes);

    SELECT EXISTS (SELECT 1 FROM inventory_reservation r
                   WHERE r.reference = p_reference AND r.state = 'active')
    INTO v_holds_stock;

    <<attempt>>
    LOOP
        IF v_locked OR v_holds_stock THEN
            v_locked := true;
            -- Level 2: the holds to release, in id order. Rows another transaction changed
            -- while we waited are re-checked, so a hold the sweeper released drops out.
            SELECT coalesce(array_agg(h.id ORDER BY h.id), '{}') INTO h_ids
            FROM (SELECT r.id FROM inventory_reservation r
                  WHERE r.state = 'active'
                    AND (r.reference = p_reference
                         OR (r.expires_at <= p_now AND r.stock_level_id IN (
                                 SELECT s.id FROM inventory_stocklevel s
                                 JOIN inventory_warehouse w ON w.id = s.warehouse_id AND w.active
                                 WHERE s.variant_id = ANY (p_variant_ids))))
                  ORDER BY r.id FOR NO KEY UPDATE OF r) h;
            SELECT coalesce(array_agg(x.stock_level_id ORDER BY x.stock_level_id), '{}'),
                   coalesce(array_agg(x.units ORDER BY x.stock_level_id), '{}')
            INTO f_ids, f_qty
            FROM (SELECT r.stock_level_id, sum(r.quantity)::integer AS units
                  FROM inventory_reservation r WHERE r.id = ANY (h_ids)
                  GROUP BY r.stock_level_id) x;
            -- Level 3: the stock rows, in id order.
            PERFORM 1 FROM inventory_stocklevel s
            WHERE s.id = ANY (f_ids || ARRAY(SELECT c.id FROM inventory_stocklevel c
                                             WHERE c.variant_id = ANY (p_variant_ids)))
            ORDER BY s.id FOR NO KEY UPDATE;
        END IF;

        -- The plan: each line takes from its rows in warehouse priority order, counting units
        -- the locked path frees. One scan of the candidate rows; the arithmetic is a loop.
        l_remaining := p_quantities;
        l_left := array_fill(0::bigint, ARRAY[array_length(p_variant_ids, 1)]);
        l_threshold := array_fill(NULL::integer, ARRAY[array_length(p_variant_ids, 1)]);
        t_ids := '{}'; t_qty := '{}'; t_variants := '{}'; t_warehouses := '{}';
        FOR v_row IN
            SELECT s.id, s.variant_id, s.warehouse_id, s.low_stock_threshold,
                   greatest(s.on_hand - s.reserved + coalesce(f.units, 0), 0) AS available
            FROM inventory_stocklevel s
            JOIN inventory_warehouse w ON w.id = s.warehouse_id AND w.active
            LEFT JOIN unnest(f_ids, f_qty) AS f(id, units) ON f.id = s.id
            WHERE s.variant_id = ANY (p_variant_ids)
            ORDER BY s.variant_id, w.priority, s.id
        LOOP
            v_line := array_position(p_variant_ids, v_row.variant_id);
            v_take := least(l_remaining[v_line], v_row.available);
            IF v_take > 0 THEN
                t_ids := t_ids || v_row.id;
                t_qty := t_qty || v_take;
                t_variants := t_variants || v_row.variant_id;
                t_warehouses := t_warehouses || v_row.warehouse_id;
                l_remaining[v_line] := l_remaining[v_line] - v_take;
            END IF;
            l_left[v_line] := l_left[v_line] + v_row.available - v_take;
            l_threshold[v_line] := greatest(l_threshold[v_line], v_row.low_stock_threshold);
        END LOOP;
        IF array_length(t_ids, 1) > 1 THEN  -- rows are taken in id order (see locks.py)
            SELECT array_agg(u.id ORDER BY u.id), array_agg(u.units ORDER BY u.id),
                   array_agg(u.variant_id ORDER BY u.id), array_agg(u.warehouse_id ORDER BY u.id)
            INTO t_ids, t_qty, t_variants, t_warehouses
            FROM unnest(t_ids, t_qty, t_variants, t_warehouses)
                 AS u(id, units, variant_id, warehouse_id);
        END IF;

        v_short := NULL;
        v_short_variants := '{}';
        v_low_candidates := '{}';
        FOR i IN 1 .. array_length(p_variant_ids, 1) LOOP
            IF l_remaining[i] > 0 THEN
                v_short := coalesce(v_short, '[]'::jsonb) || jsonb_build_object(
                    'variant_id', p_variant_ids[i], 'requested', p_quantities[i],
                    'available', p_quantities[i] - l_remaining[i]);
                v_short_variants := v_short_variants || p_variant_ids[i];
            ELSIF l_left[i] < coalesce(l_threshold[i], v_threshold) THEN
                v_low_candidates := v_low_candidates || p_variant_ids[i];
            END IF;
        END LOOP;

        IF v_short IS NOT NULL THEN
            IF v_locked THEN
                RETURN jsonb_build_object('minutes', v_minutes, 'short', v_short);
            END IF;
            -- A shortage is final only if no expired hold could cover it.
            SELECT EXISTS (SELECT 1 FROM inventory_reservation r
                           JOIN inventory_stocklevel s ON s.id = r.stock_level_id
                           WHERE s.variant_id = ANY (v_short_variants)
                             AND r.state = 'active' AND r.expires_at <= p_now)
            INTO v_expired_on_short;
            IF NOT v_expired_on_short THEN
                RETURN jsonb_build_object('minutes', v_minutes, 'short', v_short);
            END IF;
            v_locked := true;
            CONTINUE attempt;
        END IF;

        -- Write the plan. The holds go in first, so the stock rows are locked for the shortest
        -- time: from their UPDATE to the commit. The fast path takes each row with ONE
        -- conditional UPDATE, in id order; a row that changed since the plan ends the attempt
        -- in this subtransaction's rollback, which undoes the holds and rows already taken and
        -- gives back their row locks (and the lock a failed conditional UPDATE keeps on a row
        -- it waited for) before the locked path takes locks of level 2.
        BEGIN
            WITH held AS (
                INSERT INTO inventory_reservation (reference, batch, stock_level_id, variant_id,
                    warehouse_id, quantity, state, release_reason, expires_at, created_at,
                    updated_at)
                SELECT p_reference, p_batch, u.id, u.variant_id, u.warehouse_id, u.units,
                       'active', '', v_expires, p_now, p_now
                FROM unnest(t_ids, t_variants, t_warehouses, t_qty)
                     AS u(id, variant_id, warehouse_id, units)
                RETURNING id, stock_level_id
            )
            SELECT array_agg(h.id ORDER BY h.stock_level_id) INTO v_hold_ids FROM held h;

            IF v_locked THEN
                UPDATE inventory_reservation r
                SET state = 'released', updated_at = p_now,
                    release_reason = CASE WHEN r.reference = p_reference THEN 'replaced'
                                          ELSE 'expired' END
                WHERE r.id = ANY (h_ids);
                UPDATE inventory_stocklevel s
                SET reserved = s.reserved + d.delta, updated_at = p_now
                FROM (SELECT coalesce(t.id, f.id) AS id,
                             coalesce(t.units, 0) - coalesce(f.units, 0) AS delta
                      FROM unnest(t_ids, t_qty) AS t(id, units)
                      FULL JOIN unnest(f_ids, f_qty) AS f(id, units) ON f.id = t.id) d
                WHERE s.id = d.id AND d.delta <> 0;
            ELSE
                FOR i IN 1 .. array_length(t_ids, 1) LOOP
                    UPDATE inventory_stocklevel s
                    SET reserved = s.reserved + t_qty[i], updated_at = p_now
                    WHERE s.id = t_ids[i] AND s.on_hand - s.reserved >= t_qty[i];
                    IF NOT FOUND THEN
                        RAISE EXCEPTION USING ERRCODE = 'MR001';
                    END IF;
                END LOOP;
            END IF;
            v_taken := true;
        EXCEPTION WHEN SQLSTATE 'MR001' THEN
            v_taken := false;
        END;
        EXIT attempt WHEN v_taken;
        v_locked := true;
    END LOOP;

    -- Variants this reservation took below their threshold, unless an alert is already open.
    v_low := '[]';
    IF array_length(v_low_candidates, 1) > 0 THEN
        SELECT coalesce(jsonb_agg(c.variant_id ORDER BY c.variant_id), '[]') INTO v_low
        FROM unnest(v_low_candidates) AS c(variant_id)
        WHERE NOT EXISTS (SELECT 1 FROM inventory_lowstockalert a
                          WHERE a.variant_id = c.variant_id AND a.resolved_at IS NULL);
    END IF;

    RETURN jsonb_build_object(
        'minutes', v_minutes,
        'low', v_low,
        'holds', (SELECT jsonb_agg(jsonb_build_array(u.hold_id, u.id, u.variant_id,
                                                     u.warehouse_id, u.units))
                  FROM unnest(v_hold_ids, t_ids, t_variants, t_warehouses, t_qty)
                       AS u(hold_id, id, variant_id, warehouse_id, units)));
END;
$fn$;
