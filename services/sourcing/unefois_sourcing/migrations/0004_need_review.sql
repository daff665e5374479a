-- Review workflow: draft -> submitted -> approved, or returned to draft with a comment.
ALTER TABLE needs ADD COLUMN submitted_at timestamptz;
ALTER TABLE needs ADD COLUMN returned_at timestamptz;
ALTER TABLE needs ADD COLUMN return_comment text;
