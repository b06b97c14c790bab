/* app.c - the interactive SDL2 window: turns key, mouse and window events
 * (from the user, or pushed from a --script file with SDL_PushEvent) into
 * view changes, drives playback and the once-a-second live refresh, and
 * uploads the buffer ct__view_render drew to a streaming texture. */
#include <SDL.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "citytwin/util.h"

typedef struct app {
  ct__view *v;
  const ct__app_opts *o;
  SDL_Window *win;
  SDL_Renderer *ren;
  SDL_Texture *tex;
  uint32_t *px;
  int w, h;
  int dirty, quit;
  int drag, drag_moved, drag_x, drag_y, slider_drag;
  char swallow;          /* the key that opened text input, sent again as text */
  int shots;
  /* script */
  char **lines;
  int nlines, next, wait;
  int status;
} app;

static double now_s(void) { return SDL_GetTicks64() / 1000.0; }

static int alloc_buffers(app *a, int w, int h) {
  if (a->tex) SDL_DestroyTexture(a->tex);
  free(a->px);
  a->w = w;
  a->h = h;
  a->px = malloc((size_t)w * h * sizeof *a->px);
  a->tex = SDL_CreateTexture(a->ren, SDL_PIXELFORMAT_ARGB8888,
                             SDL_TEXTUREACCESS_STREAMING, w, h);
  if (!a->px || !a->tex) {
    fprintf(stderr, "citytwin-view: cannot make a %dx%d picture: %s\n", w, h,
            SDL_GetError());
    return -1;
  }
  a->dirty = 1;
  return 0;
}

static void save_shot(app *a) {
  char path[4096];
  if (a->o->shot)
    snprintf(path, sizeof path, "%s", a->o->shot);
  else
    snprintf(path, sizeof path, "citytwin-view-%03d.png", ++a->shots);
  ct_error err = {0};
  ct__view_render(a->v, a->px, a->w, a->h);
  if (ct__png_write(path, a->px, a->w, a->h, &err) == CT_OK)
    ct__view_status(a->v, "saved %s", path);
  else
    ct__view_status(a->v, "%s", err.msg);
  a->dirty = 1;
}

static void base_name(const char *path, char *out, size_t n) {
  const char *s = strrchr(path, '/');
  snprintf(out, n, "%s", s ? s + 1 : path);
  char *dot = strrchr(out, '.');
  if (dot && dot != out) *dot = '\0';
}

static void set_t(app *a, int t) {
  int nt = ct_reader_ntimes(a->v->run[0].r);
  if (nt <= 0) return;
  if (t < 0) t = 0;
  if (t >= nt) t = nt - 1;
  if (t != a->v->t) {
    a->v->t = t;
    a->dirty = 1;
  }
}

static void slider_to(app *a, int x) {
  ct__rect s = a->v->slider;
  int nt = ct_reader_ntimes(a->v->run[0].r);
  if (nt <= 1) return;
  double u = (double)(x - s.x) / (s.w - 1);
  set_t(a, (int)lround(u * (nt - 1)));
}

static void apply_input(app *a) {
  ct__view *v = a->v;
  if (v->input_mode == 'r') {
    double lo, hi;
    char buf[128];
    snprintf(buf, sizeof buf, "%s", v->input);
    char *sep = strpbrk(buf, " ,;");
    if (sep) *sep = '\0';
    if (sep && ct_parse_double(buf, &lo) == CT_OK &&
        ct_parse_double(sep + 1 + strspn(sep + 1, " ,;"), &hi) == CT_OK && hi > lo) {
      v->typed_lo = lo;
      v->typed_hi = hi;
      v->range_mode = CT__RANGE_TYPED;
      ct__view_status(v, "range %g .. %g", lo, hi);
    } else {
      ct__view_status(v, "range: type two numbers, min < max");
    }
  } else if (v->input_mode == 't') {
    double x;
    if (!v->input[0]) {
      v->thr_set = 0;
      ct__view_status(v, "threshold: default");
    } else if (ct_parse_double(v->input, &x) == CT_OK) {
      v->thr = x;
      v->thr_set = 1;
      ct__view_status(v, "values below %g show the map", x);
    } else {
      ct__view_status(v, "threshold: not a number");
    }
  }
  v->input_mode = 0;
  v->input[0] = '\0';
}

static void open_input(app *a, int mode, char key) {
  a->v->input_mode = mode;
  a->v->input[0] = '\0';
  a->swallow = key;
}

static void export_frames(app *a) {
  char base[256], dir[300];
  base_name(a->v->run[0].path, base, sizeof base);
  snprintf(dir, sizeof dir, "%s-frames", base);
  ct_error err = {0};
  int n = ct__view_export_frames(a->v, dir, a->w, a->h, &err);
  if (n >= 0)
    ct__view_status(a->v, "%d frames in %s/", n, dir);
  else
    ct__view_status(a->v, "%s", err.msg);
}

static void export_mp4(app *a) {
  char base[256], path[300];
  base_name(a->v->run[0].path, base, sizeof base);
  snprintf(path, sizeof path, "%s.mp4", base);
  ct_error err = {0};
  int n = ct__view_export_mp4(a->v, path, a->w, a->h, &err);
  if (n >= 0)
    ct__view_status(a->v, "%d frames in %s", n, path);
  else
    ct__view_status(a->v, "%s", err.msg);
}

static void on_key(app *a, const SDL_KeyboardEvent *k) {
  ct__view *v = a->v;
  SDL_Keycode s = k->keysym.sym;
  int shift = (k->keysym.mod & KMOD_SHIFT) != 0;
  a->dirty = 1;
  if (v->input_mode) {
    size_t n = strlen(v->input);
    if (s == SDLK_RETURN || s == SDLK_KP_ENTER) apply_input(a);
    else if (s == SDLK_ESCAPE) v->input_mode = 0;
    else if (s == SDLK_BACKSPACE && n > 0) v->input[n - 1] = '\0';
    return;
  }
  if (v->picker) {
    int nv = ct_reader_nvars(v->run[0].r);
    if (s == SDLK_UP) v->picker_sel = (v->picker_sel + nv - 1) % nv;
    else if (s == SDLK_DOWN || s == SDLK_TAB) v->picker_sel = (v->picker_sel + 1) % nv;
    else if (s == SDLK_RETURN || s == SDLK_KP_ENTER) {
      ct_error e = {0};
      ct__view_set_field(v, ct_reader_var(v->run[0].r, v->picker_sel)->name, &e);
      v->picker = 0;
    } else if (s == SDLK_ESCAPE || s == SDLK_f) v->picker = 0;
    return;
  }
  if (v->help && (s == SDLK_ESCAPE || s == SDLK_F1 || s == SDLK_h)) {
    v->help = 0;
    return;
  }
  int cx = v->map[0].x + v->map[0].w / 2, cy = v->map[0].y + v->map[0].h / 2;
  switch (s) {
    case SDLK_q:
    case SDLK_ESCAPE: a->quit = 1; break;
    case SDLK_SPACE:
      v->playing = !v->playing;
      if (v->playing && v->t >= ct_reader_ntimes(v->run[0].r) - 1) v->t = 0;
      break;
    case SDLK_PERIOD:
    case SDLK_PAGEDOWN: set_t(a, v->t + 1); break;
    case SDLK_COMMA:
    case SDLK_PAGEUP: set_t(a, v->t - 1); break;
    case SDLK_HOME: set_t(a, 0); break;
    case SDLK_END: set_t(a, ct_reader_ntimes(v->run[0].r) - 1); break;
    case SDLK_l:
      v->loop = !v->loop;
      ct__view_status(v, "loop %s", v->loop ? "on" : "off");
      break;
    case SDLK_LEFTBRACKET: if (v->fps > 0.25) v->fps /= 2; break;
    case SDLK_RIGHTBRACKET: if (v->fps < 64) v->fps *= 2; break;
    case SDLK_EQUALS:
    case SDLK_PLUS:
    case SDLK_KP_PLUS: ct__view_zoom_at(v, 1.25, cx, cy); break;
    case SDLK_MINUS:
    case SDLK_KP_MINUS: ct__view_zoom_at(v, 0.8, cx, cy); break;
    case SDLK_LEFT: ct__view_pan(v, 60, 0); break;
    case SDLK_RIGHT: ct__view_pan(v, -60, 0); break;
    case SDLK_UP: ct__view_pan(v, 0, 60); break;
    case SDLK_DOWN: ct__view_pan(v, 0, -60); break;
    case SDLK_0:
    case SDLK_KP_0: ct__view_reset(v); break;
    case SDLK_f:
    case SDLK_TAB: v->picker = 1; v->picker_sel = v->var; break;
    case SDLK_c: ct__view_next_cmap(v); break;
    case SDLK_g: ct__view_toggle_log(v); break;
    case SDLK_r:
      if (shift) open_input(a, 'r', 'R');
      else v->range_mode = v->range_mode == CT__RANGE_RUN ? CT__RANGE_FRAME : CT__RANGE_RUN;
      break;
    case SDLK_t: open_input(a, 't', 't'); break;
    case SDLK_o:
      v->opacity = v->opacity > 0.9 ? 0.75 : v->opacity > 0.6 ? 0.5 : 1.0;
      break;
    case SDLK_d:
      if (v->nruns < 2) {
        ct__view_status(v, "compare needs a second run: citytwin-view A.nc B.nc");
      } else {
        v->compare = v->compare == CT__CMP_DIFF ? CT__CMP_SIDE : CT__CMP_DIFF;
        if (v->compare == CT__CMP_DIFF && v->log)
          ct__view_status(v, "difference: linear scale (log returns side by side)");
        v->img_key[0][0] = v->img_key[1][0] = '\0';
        v->view_ok = 0;
      }
      break;
    case SDLK_p:
    case SDLK_F12: save_shot(a); break;
    case SDLK_e: export_frames(a); break;
    case SDLK_m: export_mp4(a); break;
    case SDLK_F1:
    case SDLK_h: v->help = !v->help; break; /* '?' arrives as text */
    default: a->dirty = 0; break;
  }
}

static void on_text(app *a, const char *text) {
  ct__view *v = a->v;
  char sw = a->swallow;
  a->swallow = 0;
  if (!v->input_mode) {
    /* '?' is a different key on every keyboard layout, but the same text */
    if (!v->picker && strcmp(text, "?") == 0) {
      v->help = !v->help;
      a->dirty = 1;
    }
    return;
  }
  if (sw && text[0] == sw && text[1] == '\0') return;
  size_t n = strlen(v->input);
  if (n + strlen(text) < sizeof v->input - 1) strcat(v->input, text);
  a->dirty = 1;
}

static void on_event(app *a, const SDL_Event *e) {
  ct__view *v = a->v;
  switch (e->type) {
    case SDL_QUIT: a->quit = 1; break;
    case SDL_KEYDOWN: on_key(a, &e->key); break;
    case SDL_TEXTINPUT: on_text(a, e->text.text); break;
    case SDL_WINDOWEVENT:
      if (e->window.event == SDL_WINDOWEVENT_SIZE_CHANGED) {
        if (alloc_buffers(a, e->window.data1, e->window.data2)) a->quit = 1;
      } else if (e->window.event == SDL_WINDOWEVENT_LEAVE) {
        v->mouse_in = 0;
      }
      a->dirty = 1;
      break;
    case SDL_MOUSEMOTION:
      v->mouse_x = e->motion.x;
      v->mouse_y = e->motion.y;
      v->mouse_in = 1;
      if (a->slider_drag) slider_to(a, e->motion.x);
      if (a->drag) {
        int dx = e->motion.x - a->drag_x, dy = e->motion.y - a->drag_y;
        if (abs(dx) + abs(dy) > 0) {
          a->drag_moved += abs(dx) + abs(dy);
          ct__view_pan(v, dx, dy);
        }
        a->drag_x = e->motion.x;
        a->drag_y = e->motion.y;
      }
      a->dirty = 1;
      break;
    case SDL_MOUSEBUTTONDOWN:
      v->mouse_x = e->button.x;
      v->mouse_y = e->button.y;
      v->mouse_in = 1;
      if (v->picker && e->button.button == SDL_BUTTON_LEFT) { /* pick a line */
        ct__rect b = v->picker_box;
        int k = ct__in_rect(b, e->button.x, e->button.y) ? (e->button.y - b.y) / 12 : -1;
        if (k >= 0 && k < ct_reader_nvars(v->run[0].r)) {
          ct_error err = {0};
          ct__view_set_field(v, ct_reader_var(v->run[0].r, k)->name, &err);
        }
        v->picker = 0;
        a->dirty = 1;
        break;
      }
      if (e->button.button == SDL_BUTTON_LEFT) {
        ct__rect s = v->slider;
        s.y -= 4;
        s.h += 8;
        if (ct__in_rect(s, e->button.x, e->button.y)) {
          a->slider_drag = 1;
          slider_to(a, e->button.x);
        } else {
          a->drag = 1;
          a->drag_moved = 0;
          a->drag_x = e->button.x;
          a->drag_y = e->button.y;
        }
      } else if (e->button.button == SDL_BUTTON_RIGHT) {
        v->pin = 0;
        a->dirty = 1;
      }
      break;
    case SDL_MOUSEBUTTONUP:
      if (e->button.button == SDL_BUTTON_LEFT) {
        if (a->drag && a->drag_moved <= 3) {
          int i, j;
          if (ct__view_px_cell(v, e->button.x, e->button.y, &i, &j) >= 0) {
            ct_error err = {0};
            if (ct__view_pin(v, i, j, &err) != CT_OK) ct__view_status(v, "%s", err.msg);
          }
        }
        a->drag = a->slider_drag = 0;
        a->dirty = 1;
      }
      break;
    case SDL_MOUSEWHEEL: {
      double f = pow(1.25, e->wheel.preciseY != 0.0f ? e->wheel.preciseY : e->wheel.y);
      ct__view_zoom_at(v, f, v->mouse_x, v->mouse_y);
      a->dirty = 1;
      break;
    }
    default: break;
  }
}

/* --- scripted sessions (tests, demos): one command per frame --- */

static int load_script(app *a, const char *path) {
  FILE *f = fopen(path, "r");
  if (!f) {
    fprintf(stderr, "citytwin-view: %s: cannot read the script: %s\n", path,
            strerror(errno));
    return -1;
  }
  char buf[1024];
  while (fgets(buf, sizeof buf, f)) {
    buf[strcspn(buf, "\r\n")] = '\0';
    char **nl = realloc(a->lines, (size_t)(a->nlines + 1) * sizeof *nl);
    if (!nl) break;
    a->lines = nl;
    a->lines[a->nlines] = strdup(buf);
    if (a->lines[a->nlines]) a->nlines++;
  }
  fclose(f);
  return 0;
}

static void push_key(SDL_Keycode k, Uint16 mod) {
  SDL_Event e;
  memset(&e, 0, sizeof e);
  e.type = SDL_KEYDOWN;
  e.key.state = SDL_PRESSED;
  e.key.keysym.sym = k;
  e.key.keysym.scancode = SDL_GetScancodeFromKey(k);
  e.key.keysym.mod = mod;
  SDL_PushEvent(&e);
  e.type = SDL_KEYUP;
  e.key.state = SDL_RELEASED;
  SDL_PushEvent(&e);
}

static void push_button(int x, int y, int button, int down) {
  SDL_Event e;
  memset(&e, 0, sizeof e);
  e.type = down ? SDL_MOUSEBUTTONDOWN : SDL_MOUSEBUTTONUP;
  e.button.button = (Uint8)button;
  e.button.state = down ? SDL_PRESSED : SDL_RELEASED;
  e.button.clicks = 1;
  e.button.x = x;
  e.button.y = y;
  SDL_PushEvent(&e);
}

static void push_motion(int x, int y) {
  SDL_Event e;
  memset(&e, 0, sizeof e);
  e.type = SDL_MOUSEMOTION;
  e.motion.x = x;
  e.motion.y = y;
  SDL_PushEvent(&e);
}

static void script_step(app *a) {
  if (a->wait > 0) {
    a->wait--;
    return;
  }
  if (a->next >= a->nlines) { /* the last command's events are handled */
    a->quit = 1;
    return;
  }
  while (a->next < a->nlines) {
    const char *l = a->lines[a->next++];
    char cmd[32] = "", arg[512] = "";
    int x0, y0, x1, y1, n;
    if (sscanf(l, "%31s %511[^\n]", cmd, arg) < 1 || cmd[0] == '#') continue;
    if (!strcmp(cmd, "key")) {
      Uint16 mod = 0;
      const char *name = arg;
      if (!strncmp(name, "shift+", 6)) {
        mod = KMOD_LSHIFT;
        name += 6;
      }
      SDL_Keycode k = SDL_GetKeyFromName(name);
      if (k == SDLK_UNKNOWN && strlen(name) == 1) k = (SDL_Keycode)name[0];
      if (k == SDLK_UNKNOWN) {
        fprintf(stderr, "citytwin-view: script line %d: unknown key '%s'\n", a->next, name);
        a->status = 2;
        a->quit = 1;
      } else {
        push_key(k, mod);
      }
    } else if (!strcmp(cmd, "text")) {
      SDL_Event e;
      memset(&e, 0, sizeof e);
      e.type = SDL_TEXTINPUT;
      snprintf(e.text.text, sizeof e.text.text, "%s", arg);
      SDL_PushEvent(&e);
    } else if (!strcmp(cmd, "move") && sscanf(arg, "%d %d", &x0, &y0) == 2) {
      push_motion(x0, y0);
    } else if (!strcmp(cmd, "click") && sscanf(arg, "%d %d", &x0, &y0) == 2) {
      int b = strstr(arg, "right") ? SDL_BUTTON_RIGHT : SDL_BUTTON_LEFT;
      push_motion(x0, y0);
      push_button(x0, y0, b, 1);
      push_button(x0, y0, b, 0);
    } else if (!strcmp(cmd, "drag") && sscanf(arg, "%d %d %d %d", &x0, &y0, &x1, &y1) == 4) {
      push_motion(x0, y0);
      push_button(x0, y0, SDL_BUTTON_LEFT, 1);
      push_motion((x0 + x1) / 2, (y0 + y1) / 2);
      push_motion(x1, y1);
      push_button(x1, y1, SDL_BUTTON_LEFT, 0);
    } else if (!strcmp(cmd, "wheel") && sscanf(arg, "%d", &n) == 1) {
      SDL_Event e;
      memset(&e, 0, sizeof e);
      e.type = SDL_MOUSEWHEEL;
      e.wheel.y = n;
      e.wheel.preciseY = (float)n;
      e.wheel.direction = SDL_MOUSEWHEEL_NORMAL;
      SDL_PushEvent(&e);
    } else if (!strcmp(cmd, "wait") && sscanf(arg, "%d", &n) == 1) {
      a->wait = n;
    } else if (!strcmp(cmd, "shot")) {
      const char *keep = a->o->shot;
      ct__app_opts o2 = *a->o;
      o2.shot = arg[0] ? arg : keep;
      const ct__app_opts *ko = a->o;
      a->o = &o2;
      save_shot(a);
      a->o = ko;
    } else if (!strcmp(cmd, "quit")) {
      a->quit = 1;
    } else {
      fprintf(stderr, "citytwin-view: script line %d: cannot read '%s'\n", a->next, l);
      a->status = 2;
      a->quit = 1;
    }
    return; /* one command per frame, so its events are handled first */
  }
}

int ct__app_run(ct__view *v, const ct__app_opts *o) {
  app a;
  memset(&a, 0, sizeof a);
  a.v = v;
  a.o = o;
  if (o->script && load_script(&a, o->script)) return 2;
  if (SDL_Init(SDL_INIT_VIDEO) != 0) {
    fprintf(stderr, "citytwin-view: cannot open a window: %s\n"
            "  (no display? render headless with --render OUT.png)\n", SDL_GetError());
    return 1;
  }
  char title[512];
  snprintf(title, sizeof title, "citytwin-view - %s", v->run[0].path);
  a.win = SDL_CreateWindow(title, SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED,
                           o->w, o->h, SDL_WINDOW_RESIZABLE);
  if (a.win) a.ren = SDL_CreateRenderer(a.win, -1, SDL_RENDERER_PRESENTVSYNC);
  if (a.win && !a.ren) a.ren = SDL_CreateRenderer(a.win, -1, SDL_RENDERER_SOFTWARE);
  int status = 0;
  if (!a.win || !a.ren) {
    fprintf(stderr, "citytwin-view: cannot open a window: %s\n", SDL_GetError());
    status = 1;
    goto done;
  }
  int ww, wh;
  SDL_GetWindowSize(a.win, &ww, &wh);
  if (alloc_buffers(&a, ww, wh)) {
    status = 1;
    goto done;
  }
  SDL_StartTextInput();
  v->follow = 1;
  double last_step = now_s(), last_poll = now_s();
  int live = ct__view_live(v);
  while (!a.quit) {
    SDL_Event e;
    v->now = now_s();
    while (SDL_PollEvent(&e)) on_event(&a, &e);
    double t = now_s();
    if (v->playing && t - last_step >= 1.0 / v->fps) {
      last_step = t;
      int nt = ct_reader_ntimes(v->run[0].r);
      if (v->t + 1 < nt) set_t(&a, v->t + 1);
      else if (v->loop) set_t(&a, 0);
      else v->playing = 0;
      a.dirty = 1;
    }
    if (t - last_poll >= 1.0) { /* live: a run still writing this file */
      last_poll = t;
      int grew = 0;
      ct_error err = {0};
      if (live) {
        if (ct__view_refresh(v, &grew, &err) != CT_OK)
          ct__view_status(v, "%s", err.msg);
        else if (grew)
          ct__view_status(v, "new snapshot: %d", ct_reader_ntimes(v->run[0].r));
        live = ct__view_live(v); /* a finished run grows no more */
      }
      if (grew) a.dirty = 1;
      if (v->status[0] && v->status_until > 0 && t > v->status_until) {
        v->status[0] = '\0';
        a.dirty = 1;
      }
    }
    if (a.dirty) {
      ct__view_render(v, a.px, a.w, a.h);
      SDL_UpdateTexture(a.tex, NULL, a.px, a.w * (int)sizeof *a.px);
      SDL_RenderClear(a.ren);
      SDL_RenderCopy(a.ren, a.tex, NULL, NULL);
      SDL_RenderPresent(a.ren);
      a.dirty = 0;
    } else {
      SDL_WaitEventTimeout(NULL, 15);
    }
    if (a.nlines) {
      script_step(&a);
    }
  }
  status = a.status;
done:
  if (a.tex) SDL_DestroyTexture(a.tex);
  if (a.ren) SDL_DestroyRenderer(a.ren);
  if (a.win) SDL_DestroyWindow(a.win);
  SDL_Quit();
  free(a.px);
  for (int k = 0; k < a.nlines; k++) free(a.lines[k]);
  free(a.lines);
  return status;
}
