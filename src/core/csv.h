/*
 * CSV for the admin exports (issue 14): RFC 4180 (CRLF line ends, a
 * field quoted when it holds '"', ',', CR or LF, its quotes doubled),
 * UTF-8 with a byte-order mark so that spreadsheets read accents right.
 * A cell a spreadsheet would take for a formula is neutralised (see
 * csv_cell()). Pure: the text is built in memory.
 */
#ifndef LAUREL_CORE_CSV_H
#define LAUREL_CORE_CSV_H

#include <stddef.h>

struct csv {
	char	*buf;
	size_t	 len;
	size_t	 cap;
	size_t	 cells;		/* of the current row */
	size_t	 rows;		/* ended, the header included */
};

/* An empty file: the byte-order mark alone. */
void	csv_init(struct csv *);

/* Appends a cell to the current row; NULL is an empty cell. */
void	csv_cell(struct csv *, const char *);

/* Ends the current row (CRLF). */
void	csv_row_end(struct csv *);

/* Frees what the file holds. */
void	csv_free(struct csv *);

#endif
