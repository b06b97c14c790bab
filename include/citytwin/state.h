/* state.h - a model's evolving state as named byte blocks, for checkpoints
 * that let a killed run resume (`citytwin run --resume`). A model lists its
 * state in one function used both ways: while saving, ct_state_io copies
 * each block into the store; while restoring, it copies the stored block
 * back over the model's memory (after init has allocated it). The run file
 * keeps the store of its last snapshot (ct_snapshot_write_state). */
#ifndef CITYTWIN_STATE_H
#define CITYTWIN_STATE_H

#include <stddef.h>
#include "citytwin/error.h"

typedef struct ct_state ct_state;

ct_state *ct_state_new(void);   /* an empty store in saving mode; NULL: OOM */
void ct_state_free(ct_state *st);
/* Empties the store for the next save, keeping its buffers. */
void ct_state_reset(ct_state *st);

/* Names given after this are "<prefix>/<name>" (the model's name). */
void ct_state_prefix(ct_state *st, const char *prefix);
/* Switches to restoring mode (1) or back to saving (0). */
void ct_state_set_restoring(ct_state *st, int restoring);
int ct_state_restoring(const ct_state *st);

/* A block of fixed size: saved, or restored in place. Restoring a block
 * that is missing or of another size is CT_EFORMAT, naming it. */
int ct_state_io(ct_state *st, const char *name, void *data, size_t bytes,
                ct_error *err);
/* A block whose size may change (queues, lists): on restore *data is
 * realloc'd to the stored size, which is put in *bytes. */
int ct_state_io_var(ct_state *st, const char *name, void **data,
                    size_t *bytes, ct_error *err);

/* For the file writer and reader: the blocks in the order they came. */
int ct_state_count(const ct_state *st);
void ct_state_item(const ct_state *st, int k, const char **name,
                   const void **data, size_t *bytes);
/* Adds a block under its full name (a copy), as the reader finds it. */
int ct_state_put(ct_state *st, const char *name, const void *data,
                 size_t bytes, ct_error *err);

#endif
