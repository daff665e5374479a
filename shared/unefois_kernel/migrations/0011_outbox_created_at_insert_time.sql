-- An outbox row's created_at was now(): the START of the writing transaction. The unit of work
-- writes its events at commit, after the use case's statements, so a slow transaction made the
-- relay's pickup (published_at - created_at, what operators and the hops benchmark read) look
-- slow. clock_timestamp() is the insert's own time, just before the commit.
ALTER TABLE outbox ALTER COLUMN created_at SET DEFAULT clock_timestamp();
