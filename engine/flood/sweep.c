/* sweep.c - one time step of the local inertial scheme in a single pass over
 * the grid. The three stages (face discharges, outflow limiter, depth
 * update; momentum.c and continuity.c) each need their neighbours' results,
 * so instead of three sweeps through memory each thread runs them as a
 * wavefront down its block of rows: the momentum two rows ahead of the depth
 * update, the new discharges and outflow factors kept in small rolling row
 * buffers that stay in cache. Only the state (eta, comp, qx, qy) and the bed
 * stream through memory, once per step.
 *
 * Block edges: the rows next to another thread's block are computed before a
 * barrier, from the state as it was at the start of the step (the neighbour
 * changes it afterwards). Every value is thus computed from the same inputs
 * whatever the number of threads, so results are bit-identical. */
#include <omp.h>

#include "flood/flood_internal.h"

typedef struct sweep_buf {
  float *rx[4], *ry[4]; /* momentum rows, ring by row number & 3 */
  float *tx[3], *ty[3]; /* rows j1-1 .. j1+1 of a block with a neighbour */
  float *rl[4];         /* outflow factors, ring (element 0: west ghost) */
  float *lh, *lt;       /* factors of rows j0-1 and j1 */
} sweep_buf;

typedef struct block {
  int j0, j1, tail; /* rows [j0, j1); tail: a block follows */
  sweep_buf b;
  const float *ones;
} block;

static const float *row_x(const block *B, int r) {
  return (B->tail && r >= B->j1 - 1) ? B->b.tx[r - (B->j1 - 1)]
                                     : B->b.rx[r & 3];
}

static const float *row_y(const block *B, int r) {
  return (B->tail && r >= B->j1 - 1) ? B->b.ty[r - (B->j1 - 1)]
                                     : B->b.ry[r & 3];
}

/* Outflow factors of row r, pointing at its cell 0. */
static const float *row_l(const block *B, int r, int ny) {
  if (r < 0 || r >= ny) return B->ones + 1;
  if (r == B->j0 - 1) return B->b.lh + 1;
  if (r == B->j1) return B->b.lt + 1;
  return B->b.rl[r & 3] + 1;
}

void ct__flood_sweep(ct_flood *f, double dt) {
  const int ny = f->ny;
  const size_t L = (size_t)f->nx + 2;
  ct__mom_args ma;
  ct__flood_mom_args(f, dt, &ma);
  int nt = CT__FLOOD_PAR(f) ? omp_get_max_threads() : 1;
  if (nt > f->nlimbuf) nt = f->nlimbuf;
  if (nt > ny) nt = ny;
  if (nt < 1) nt = 1;
#pragma omp parallel num_threads(nt)
  {
    const int tid = omp_get_thread_num(), T = omp_get_num_threads();
    block B;
    B.j0 = (int)((long)ny * tid / T);
    B.j1 = (int)((long)ny * (tid + 1) / T);
    B.tail = B.j1 < ny;
    B.ones = f->ones;
    float *p = f->limbuf + (size_t)tid * CT__SWEEP_ROWS * L;
    for (int k = 0; k < 4; k++) B.b.rx[k] = p, p += L;
    for (int k = 0; k < 4; k++) B.b.ry[k] = p, p += L;
    for (int k = 0; k < 3; k++) B.b.tx[k] = p, p += L;
    for (int k = 0; k < 3; k++) B.b.ty[k] = p, p += L;
    for (int k = 0; k < 4; k++) B.b.rl[k] = p, p += L;
    B.b.lh = p, p += L;
    B.b.lt = p;
    const int j0 = B.j0, j1 = B.j1;
    int mdone = -1; /* last momentum row computed into the ring */
    if (j0 < j1) {
      /* Before the barrier: what depends on a neighbour's rows. */
      if (j0 > 0) {
        ct__flood_momentum_row(f, j0 - 1, B.b.rx[(j0 - 1) & 3],
                               B.b.ry[(j0 - 1) & 3], &ma);
        ct__flood_momentum_row(f, j0, B.b.rx[j0 & 3], B.b.ry[j0 & 3], &ma);
        mdone = j0;
        ct__flood_limiter_row(f, j0 - 1, B.b.rx[(j0 - 1) & 3],
                              B.b.ry[(j0 - 1) & 3], B.b.ry[j0 & 3],
                              B.b.lh + 1, dt);
      }
      if (B.tail) {
        for (int k = 0; k < 3; k++)
          ct__flood_momentum_row(f, j1 - 1 + k, B.b.tx[k], B.b.ty[k], &ma);
        ct__flood_limiter_row(f, j1, B.b.tx[1], B.b.ty[1], B.b.ty[2],
                              B.b.lt + 1, dt);
      }
    }
#pragma omp barrier
    const int last_ring = B.tail ? j1 - 2 : ny;
    for (int c = j0; c < j1; c++) {
      while (mdone < c + 2 && mdone < last_ring) {
        mdone++;
        ct__flood_momentum_row(f, mdone, B.b.rx[mdone & 3], B.b.ry[mdone & 3],
                               &ma);
      }
      if (c == j0)
        ct__flood_limiter_row(f, c, row_x(&B, c), row_y(&B, c),
                              row_y(&B, c + 1), B.b.rl[c & 3] + 1, dt);
      if (c + 1 < j1)
        ct__flood_limiter_row(f, c + 1, row_x(&B, c + 1), row_y(&B, c + 1),
                              row_y(&B, c + 2), B.b.rl[(c + 1) & 3] + 1, dt);
      ct__flood_continuity_row(f, c, row_x(&B, c), row_y(&B, c),
                               row_y(&B, c + 1), row_l(&B, c - 1, ny),
                               row_l(&B, c, ny), row_l(&B, c + 1, ny), dt);
    }
  }
}
