-- Market research edited on its page (issue 10, item 14): a quote may name the file it came in
-- (the buyer keeps the file itself; the platform stores its name only, no upload).
-- Numbered 0015 so that it cannot take a number the needs area's next migrations use (any
-- missing version is applied, in order: the gap is harmless).
ALTER TABLE quotes ADD COLUMN file_name text CHECK (file_name IS NULL OR length(file_name) BETWEEN 1 AND 255);
