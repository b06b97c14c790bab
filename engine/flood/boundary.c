/* boundary.c - the ghost-cell ring that carries the boundary conditions, and
 * the water that crosses the edges. Closed: no flux. Free outflow: the ghost
 * lies lower by the local water-surface slope, so the face discharge is the
 * local inertial (normal-depth-like) flux down that slope; never inflow.
 * Level (tide, river stage): the ghost holds the water surface of the series,
 * so water flows in or out through the ordinary face equation. */
#include <math.h>

#include "flood/flood_internal.h"

/* Ghost g next to boundary cell b, interior neighbour c (or b when the domain
 * is one cell thick). */
static void ghost(ct_flood *f, int bc, double level, size_t g, size_t b,
                  size_t c) {
  float zb = f->z[b], eb = f->eta[b];
  if (bc == CT_FLOOD_LEVEL) {
    f->z[g] = zb;
    f->eta[g] = fmaxf((float)level, zb);
  } else if (bc == CT_FLOOD_FREE) {
    float s = (f->eta[c] - eb) / (float)f->dx;
    float drop = fmaxf(s, 0.0f) * (float)f->dx;
    f->z[g] = zb - drop;
    f->eta[g] = eb - drop;
  } else {
    f->z[g] = zb;
    f->eta[g] = eb;
  }
}

void ct__flood_ghosts(ct_flood *f, double t) {
  const int nx = f->nx, ny = f->ny, w = f->w;
  double lv[4];
  for (int e = 0; e < 4; e++)
    lv[e] = f->bc[e] == CT_FLOOD_LEVEL ? ct__pl_at(&f->level[e], t) : 0.0;
  for (int i = 0; i < nx; i++) {
    ghost(f, f->bc[CT_FLOOD_NORTH], lv[CT_FLOOD_NORTH], FI(w, i, -1),
          FI(w, i, 0), FI(w, i, ny > 1 ? 1 : 0));
    ghost(f, f->bc[CT_FLOOD_SOUTH], lv[CT_FLOOD_SOUTH], FI(w, i, ny),
          FI(w, i, ny - 1), FI(w, i, ny > 1 ? ny - 2 : 0));
  }
  for (int j = 0; j < ny; j++) {
    ghost(f, f->bc[CT_FLOOD_WEST], lv[CT_FLOOD_WEST], FI(w, -1, j),
          FI(w, 0, j), FI(w, nx > 1 ? 1 : 0, j));
    ghost(f, f->bc[CT_FLOOD_EAST], lv[CT_FLOOD_EAST], FI(w, nx, j),
          FI(w, nx - 1, j), FI(w, nx > 1 ? nx - 2 : 0, j));
  }
}

/* Volumes through each edge in this step from the effective discharges. */
void ct__flood_boundary_flux(ct_flood *f, double dt) {
  const int nx = f->nx, ny = f->ny, w = f->w;
  const double c = dt * f->dx;
  double in[4] = {0, 0, 0, 0}, out[4] = {0, 0, 0, 0};
  for (int i = 0; i < nx; i++) {
    double qn = f->qy[FI(w, i, 0)], qs = f->qy[FI(w, i, ny)];
    if (qn > 0) in[CT_FLOOD_NORTH] += qn * c;
    else out[CT_FLOOD_NORTH] -= qn * c;
    if (qs < 0) in[CT_FLOOD_SOUTH] -= qs * c;
    else out[CT_FLOOD_SOUTH] += qs * c;
  }
  for (int j = 0; j < ny; j++) {
    double qw = f->qx[FI(w, 0, j)], qe = f->qx[FI(w, nx, j)];
    if (qw > 0) in[CT_FLOOD_WEST] += qw * c;
    else out[CT_FLOOD_WEST] -= qw * c;
    if (qe < 0) in[CT_FLOOD_EAST] -= qe * c;
    else out[CT_FLOOD_EAST] += qe * c;
  }
  for (int e = 0; e < 4; e++) {
    f->bal.boundary_in[e] += in[e];
    f->bal.boundary_out[e] += out[e];
  }
}

/* The faces beyond the edges are only read as neighbours by the momentum
 * kernel (q-centring, 2-D friction magnitude). Zero-gradient copies keep the
 * q-centred smoothing from damping the edge discharge (a zero there acts as
 * a spurious extra friction on every inflow and outflow face). */
void ct__flood_halo_faces(ct_flood *f) {
  const int nx = f->nx, ny = f->ny, w = f->w;
  for (int j = 0; j < ny; j++) {
    f->qx[FI(w, -1, j)] = f->qx[FI(w, 0, j)];
    f->qx[FI(w, nx + 1, j)] = f->qx[FI(w, nx, j)];
  }
  for (int j = 0; j <= ny; j++) {
    f->qy[FI(w, -1, j)] = f->qy[FI(w, 0, j)];
    f->qy[FI(w, nx, j)] = f->qy[FI(w, nx - 1, j)];
  }
  for (int i = 0; i < nx; i++) {
    f->qy[FI(w, i, -1)] = f->qy[FI(w, i, 0)];
    f->qy[FI(w, i, ny + 1)] = f->qy[FI(w, i, ny)];
  }
  for (int i = 0; i <= nx; i++) {
    f->qx[FI(w, i, -1)] = f->qx[FI(w, i, 0)];
    f->qx[FI(w, i, ny)] = f->qx[FI(w, i, ny - 1)];
  }
}
