-- OCR (stages/ocr.c): Tesseract's mean word confidence (0..100) of each
-- page read by OCR, keyed by page number from 1: {"2": 87}. NULL when no
-- page of the document was OCR'd (text PDFs, plain text).

ALTER TABLE documents ADD COLUMN ocr_confidence jsonb;
