-- The typed award (POST .../award with an amount and a winner the client chose) was removed by
-- the evaluation (0019): an award now comes only from the opened bids, and its record lives in
-- lot_evaluations (proposal, decision) and award_letters. Rows a typed award may have written
-- are kept, under a name that says nothing reads them, with their row-level security unchanged.
ALTER TABLE awards RENAME TO retired_typed_awards;
ALTER INDEX awards_one_per_lot RENAME TO retired_typed_awards_one_per_lot;
ALTER POLICY awards_of_tenant ON retired_typed_awards RENAME TO retired_typed_awards_of_tenant;
COMMENT ON TABLE retired_typed_awards IS
    'Awards typed through the API before issue 11 (amount and winner not from a bid); read by nothing, kept as records.';
