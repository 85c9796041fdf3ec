-- inventory_reserve, version 3: version 2 (inventory_reserve_v2.sql, which says what it
-- changed from version 1 and why) with the fast path's writes written ONCE, in
-- ``inventory_reserve_take`` below, instead of twice (once per branch "in a subtransaction or
-- not"). The locked path uses the same writes too: it first releases the holds it locked and
-- takes their units off ``reserved``, then takes its plan with the same conditional UPDATEs,
-- which cannot fail there (every row is locked and the plan counted the freed units).
--
-- What stays from version 2, unchanged:
-- * When the call is its own transaction (p_relaxed), the fast path runs without a
--   subtransaction: a stock row that changed under it fails the whole call with SQLSTATE
--   MR002, which rolls back the transaction, and the caller calls again with p_locked.
--   Inside a caller's transaction the attempt runs in a subtransaction (BEGIN … EXCEPTION),
--   whose rollback undoes the holds and rows already taken and gives their row locks back
--   before the locked path takes locks of level 2.
-- * One read statement per attempt; generic plans (plan_cache_mode); index scans and nested
--   loops only (sequential, bitmap, hash and merge plans off: see inventory_reserve_v2.sql and
--   migration 0006).
--
-- The helper costs one nested PL/pgSQL call per reservation. It has no SET clauses of its own
-- (they would be applied and undone on every call): it runs under the settings of
-- inventory_reserve, its only caller. Measured against version 2 on the shared 2-core machine:
-- bench/hot_sku.py (64 threads, one SKU, the relaxed path), five alternating pairs, medians:
-- 1,748 → 1,637 successes/s, steady 1,765 → 1,961/s, 2,528 → 2,501 attempts/s (all within
-- the runs' spread), database CPU 0.378 → 0.404 ms per attempt (+7 %); a 3-line reserve inside
-- a caller's transaction (the checkout's path), in-process: +0.2 ms per call.
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

-- The writes of a planned reservation: the holds, then each stock row with ONE conditional
-- UPDATE, in id order (p_ids sorted, one entry per row). Returns the holds' ids in the order of
-- p_ids, or NULL as soon as a row no longer has the units (it changed since the plan): the
-- caller then undoes what was taken (a subtransaction's or the transaction's rollback).
-- The holds go in first, so the stock rows are locked for the shortest time: from their UPDATE
-- to the commit.
CREATE OR REPLACE FUNCTION inventory_reserve_take(
    p_reference text,
    p_batch uuid,
    p_ids bigint[],
    p_variants bigint[],
    p_warehouses bigint[],
    p_qty integer[],
    p_expires timestamptz,
    p_now timestamptz
) RETURNS bigint[]
LANGUAGE plpgsql VOLATILE AS $fn$
DECLARE
    v_hold_ids bigint[];
BEGIN
    WITH held AS (
        INSERT INTO inventory_reservation (reference, batch, stock_level_id, variant_id,
            warehouse_id, quantity, state, release_reason, expires_at, created_at, updated_at)
        SELECT p_reference, p_batch, u.id, u.variant_id, u.warehouse_id, u.units,
               'active', '', p_expires, p_now, p_now
        FROM unnest(p_ids, p_variants, p_warehouses, p_qty)
             AS u(id, variant_id, warehouse_id, units)
        RETURNING id, stock_level_id
    )
    SELECT array_agg(h.id ORDER BY h.stock_level_id) INTO v_hold_ids FROM held h;
    FOR i IN 1 .. array_length(p_ids, 1) LOOP
        UPDATE inventory_stocklevel s
        SET reserved = s.reserved + p_qty[i], updated_at = p_now
        WHERE s.id = p_ids[i] AND s.on_hand - s.reserved >= p_qty[i];
        IF NOT FOUND THEN
            RETURN NULL;
        END IF;
    END LOOP;
    RETURN v_hold_ids;
END;
$fn$;

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
    p_relaxed boolean,          -- the caller's transaction is this call: commit asynchronously
    p_locked boolean            -- start in the locked path (the call after an MR002)
) RETURNS jsonb
LANGUAGE plpgsql VOLATILE
SET plan_cache_mode = force_generic_plan
SET enable_seqscan = off
SET enable_hashjoin = off
SET enable_mergejoin = off
SET enable_bitmapscan = off
AS $fn$
DECLARE
    v_lines integer := array_length(p_variant_ids, 1);
    v_minutes integer;
    v_threshold integer;
    v_expires timestamptz;
    v_locked boolean := p_locked;
    v_taken boolean := false;
    v_holds_stock boolean;
    v_expired_on_short boolean;
    -- the candidate stock rows, in plan order (variant, warehouse priority, id)
    c_ids bigint[];
    c_variants bigint[];
    c_warehouses bigint[];
    c_thresholds integer[];
    c_available integer[];
    -- the plan: rows to take from, in id order
    t_ids bigint[];
    t_qty integer[];
    t_variants bigint[];
    t_warehouses bigint[];
    v_short jsonb;
    v_low jsonb;
    v_holds jsonb;
    v_short_variants bigint[];
    -- planning, per line (same positions as p_variant_ids)
    l_remaining integer[];
    l_left bigint[];
    l_threshold integer[];
    v_line integer;
    v_take integer;
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

    <<attempt>>
    LOOP
        IF v_locked THEN
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

        -- One read: the store's settings, whether the reference holds stock, and the candidate
        -- rows with what each has available (counting the units the locked path frees).
        SELECT st.reservation_minutes, st.low_stock_threshold,
               -- The reference's holds, whatever their state, found by reference alone: no
               -- plan can then scan a partial index of all the store's active holds.
               (SELECT coalesce(bool_or(r.state = 'active'), false)
                FROM inventory_reservation r WHERE r.reference = p_reference),
               c.ids, c.variants, c.warehouses, c.thresholds, c.available
        INTO v_minutes, v_threshold, v_holds_stock,
             c_ids, c_variants, c_warehouses, c_thresholds, c_available
        FROM (SELECT array_agg(s.id ORDER BY s.variant_id, w.priority, s.id) AS ids,
                     array_agg(s.variant_id ORDER BY s.variant_id, w.priority, s.id) AS variants,
                     array_agg(s.warehouse_id ORDER BY s.variant_id, w.priority, s.id)
                         AS warehouses,
                     array_agg(s.low_stock_threshold ORDER BY s.variant_id, w.priority, s.id)
                         AS thresholds,
                     array_agg(greatest(s.on_hand - s.reserved
                                        + coalesce(f_qty[array_position(f_ids, s.id)], 0), 0)
                               ORDER BY s.variant_id, w.priority, s.id) AS available
              FROM inventory_stocklevel s
              JOIN inventory_warehouse w ON w.id = s.warehouse_id AND w.active
              WHERE s.variant_id = ANY (p_variant_ids)) c
        LEFT JOIN preferences_storesettings st ON st.id = 1;  -- StoreSettings.SINGLETON_PK
        v_minutes := coalesce(p_minutes, v_minutes, p_default_minutes);
        v_threshold := coalesce(v_threshold, p_default_threshold);

        IF v_holds_stock AND NOT v_locked THEN
            -- Re-reserving: the previous holds are released under locks.
            v_locked := true;
            CONTINUE attempt;
        END IF;

        -- The plan: each line takes from its rows in warehouse priority order.
        l_remaining := p_quantities;
        l_left := array_fill(0::bigint, ARRAY[v_lines]);
        l_threshold := array_fill(NULL::integer, ARRAY[v_lines]);
        t_ids := '{}'; t_qty := '{}'; t_variants := '{}'; t_warehouses := '{}';
        FOR i IN 1 .. coalesce(array_length(c_ids, 1), 0) LOOP
            v_line := array_position(p_variant_ids, c_variants[i]);
            v_take := least(l_remaining[v_line], c_available[i]);
            IF v_take > 0 THEN
                t_ids := t_ids || c_ids[i];
                t_qty := t_qty || v_take;
                t_variants := t_variants || c_variants[i];
                t_warehouses := t_warehouses || c_warehouses[i];
                l_remaining[v_line] := l_remaining[v_line] - v_take;
            END IF;
            l_left[v_line] := l_left[v_line] + c_available[i] - v_take;
            l_threshold[v_line] := greatest(l_threshold[v_line], c_thresholds[i]);
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
        FOR i IN 1 .. v_lines LOOP
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
                           WHERE r.stock_level_id = ANY (ARRAY(
                                     SELECT s.id FROM inventory_stocklevel s
                                     WHERE s.variant_id = ANY (v_short_variants)))
                             AND r.state = 'active' AND r.expires_at <= p_now)
            INTO v_expired_on_short;
            IF NOT v_expired_on_short THEN
                RETURN jsonb_build_object('minutes', v_minutes, 'short', v_short);
            END IF;
            v_locked := true;
            CONTINUE attempt;
        END IF;

        v_expires := p_now + make_interval(mins => v_minutes);
        IF v_locked THEN
            -- Every row the plan needs is locked: release the holds, give their units back,
            -- then take the plan; nothing can fail here.
            UPDATE inventory_reservation r
            SET state = 'released', updated_at = p_now,
                release_reason = CASE WHEN r.reference = p_reference THEN 'replaced'
                                      ELSE 'expired' END
            WHERE r.id = ANY (h_ids);
            UPDATE inventory_stocklevel s
            SET reserved = s.reserved - f.units, updated_at = p_now
            FROM unnest(f_ids, f_qty) AS f(id, units)
            WHERE s.id = f.id;
            v_hold_ids := inventory_reserve_take(p_reference, p_batch, t_ids, t_variants,
                                                 t_warehouses, t_qty, v_expires, p_now);
            IF v_hold_ids IS NULL THEN
                RAISE EXCEPTION 'inventory_reserve: a locked stock row changed';
            END IF;
            v_taken := true;
        ELSIF p_relaxed THEN
            -- The fast path when this call is the transaction: a row that changed since the
            -- plan fails the call; the rollback of the whole transaction undoes the holds and
            -- rows already taken and gives every lock back (see the header).
            v_hold_ids := inventory_reserve_take(p_reference, p_batch, t_ids, t_variants,
                                                 t_warehouses, t_qty, v_expires, p_now);
            IF v_hold_ids IS NULL THEN
                RAISE EXCEPTION USING ERRCODE = 'MR002',
                    MESSAGE = 'inventory_reserve: a stock row changed, call again locked';
            END IF;
            v_taken := true;
        ELSE
            -- The fast path inside a caller's transaction: a row that changed since the plan
            -- ends the attempt in this subtransaction's rollback, which undoes the holds and
            -- rows already taken and gives back their row locks (and the lock a failed
            -- conditional UPDATE keeps on a row it waited for) before the locked path takes
            -- locks of level 2.
            BEGIN
                v_hold_ids := inventory_reserve_take(p_reference, p_batch, t_ids, t_variants,
                                                     t_warehouses, t_qty, v_expires, p_now);
                IF v_hold_ids IS NULL THEN
                    RAISE EXCEPTION USING ERRCODE = 'MR001';
                END IF;
                v_taken := true;
            EXCEPTION WHEN SQLSTATE 'MR001' THEN
                v_taken := false;
            END;
        END IF;
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

    v_holds := '[]';
    FOR i IN 1 .. array_length(t_ids, 1) LOOP
        v_holds := v_holds || jsonb_build_array(jsonb_build_array(
            v_hold_ids[i], t_ids[i], t_variants[i], t_warehouses[i], t_qty[i]));
    END LOOP;
    RETURN jsonb_build_object('minutes', v_minutes, 'low', v_low, 'holds', v_holds);
END;
$fn$;
