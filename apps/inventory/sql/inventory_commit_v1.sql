-- inventory_commit: the usual case of ``apps.inventory.services.reservations.commit_reservation``
-- in ONE call: the reference's latest holds are all still active (the shopper paid in time).
--
-- Run from Python this was ten statements (savepoint, reference lock, batch, holds read and
-- locked, stock rows locked, counters, holds, ledger, release) and one client round trip each,
-- on every paid order. Here they run inside PostgreSQL.
--
-- Lock order as everywhere (apps/inventory/locks.py): the reference lock, then the batch's
-- hold rows in id order, then their stock rows in id order. Writes happen only once every
-- lock is held and nothing can refuse any more, so a refusal writes nothing.
--
-- Returns:
-- * 'not_found': the reference never reserved anything (nothing written);
-- * 'committed': the active holds of the latest batch are now a sale (on_hand and reserved
--   down by their units, holds committed, one ``sale`` ledger row per stock row), or there was
--   nothing left to commit (committing twice changes nothing);
-- * 'retake': some hold of the batch was released meanwhile (it expired and was swept or
--   reclaimed). Nothing written; the locks stay with the caller's transaction, and the caller
--   runs the general path, which re-takes the units when they are still free.
CREATE OR REPLACE FUNCTION inventory_commit(
    p_reference text,
    p_lock_class integer,
    p_lock_key integer,
    p_order_reference text,
    p_actor_id bigint,
    p_now timestamptz
) RETURNS text
LANGUAGE plpgsql VOLATILE AS $fn$
DECLARE
    v_batch uuid;
    v_released boolean;
    v_active bigint[];
BEGIN
    PERFORM pg_advisory_xact_lock(p_lock_class, p_lock_key);

    SELECT r.batch INTO v_batch FROM inventory_reservation r
    WHERE r.reference = p_reference ORDER BY r.id DESC LIMIT 1;
    IF NOT FOUND THEN
        RETURN 'not_found';
    END IF;

    -- Level 2: the batch's holds, locked in id order, as they stand once locked.
    SELECT coalesce(bool_or(h.state = 'released'), false),
           coalesce(array_agg(h.id ORDER BY h.id) FILTER (WHERE h.state = 'active'), '{}')
    INTO v_released, v_active
    FROM (SELECT r.id, r.state FROM inventory_reservation r
          WHERE r.reference = p_reference AND r.batch = v_batch
          ORDER BY r.id FOR NO KEY UPDATE) h;
    IF v_released THEN
        RETURN 'retake';
    END IF;
    IF cardinality(v_active) = 0 THEN
        RETURN 'committed';
    END IF;

    -- Level 3: their stock rows, in id order.
    PERFORM 1 FROM inventory_stocklevel s
    WHERE s.id IN (SELECT r.stock_level_id FROM inventory_reservation r WHERE r.id = ANY(v_active))
    ORDER BY s.id FOR NO KEY UPDATE;

    WITH sold AS (
        SELECT r.stock_level_id AS id, sum(r.quantity)::integer AS units
        FROM inventory_reservation r WHERE r.id = ANY(v_active)
        GROUP BY r.stock_level_id
    ), changed AS (
        UPDATE inventory_stocklevel s
        SET on_hand = s.on_hand - sold.units, reserved = s.reserved - sold.units,
            updated_at = p_now
        FROM sold WHERE s.id = sold.id
        RETURNING s.id, s.variant_id, s.warehouse_id, sold.units
    )
    INSERT INTO inventory_stockmovement
        (variant_id, warehouse_id, delta, reason, order_reference, actor_id, note, created_at)
    SELECT c.variant_id, c.warehouse_id, -c.units, 'sale', left(p_order_reference, 64),
           p_actor_id, '', p_now
    FROM changed c ORDER BY c.id;

    UPDATE inventory_reservation
    SET state = 'committed', release_reason = '', updated_at = p_now
    WHERE id = ANY(v_active);
    RETURN 'committed';
END
$fn$;
