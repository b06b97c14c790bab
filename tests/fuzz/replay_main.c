/* replay_main.c - runs a fuzz harness over every file of the folders given
 * (seed corpus, regressions), for builds without libFuzzer. */
#include <dirent.h>

#include "fuzz.h"

static int replay_dir(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) return 0;
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.') continue;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    FILE *fp = fopen(path, "rb");
    if (!fp) continue;
    static uint8_t buf[1 << 20];
    size_t size = fread(buf, 1, sizeof buf, fp);
    fclose(fp);
    LLVMFuzzerTestOneInput(buf, size);
    n++;
  }
  closedir(d);
  return n;
}

int main(int argc, char **argv) {
  int n = 0;
  for (int k = 1; k < argc; k++) n += replay_dir(argv[k]);
  printf("replayed %d input(s)\n", n);
  return n > 0 ? 0 : 1;
}
