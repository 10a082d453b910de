// ghostscript: a generated PostScript program rendered to a raster device
// (ppmraw into /dev/null): on each page many random polygons filled in
// random colours, text in a base-35 font, and a dictionary of names made
// from numbers. Its own random stream is a small LCG that PostScript's
// integers hold exactly; what it prints at the end (names per page summed,
// the values summed modulo 10^6) is computed here from the same stream.
#include <map>
#include <string>

#include "harness/programs/inputs.h"

namespace heapreplay::programs {
namespace {

constexpr std::uint64_t kPages = 20;  // at scale 1
constexpr std::uint64_t kLeastPages = 1;
constexpr int kShapes = 2000;  // per page

// The PostScript side's `rnd`.
struct Lcg {
  std::uint64_t seed = 1;
  std::uint64_t next() { return seed = (seed * 75 + 74) % 65537; }
};

}  // namespace

PreparedProgram prepare_ghostscript(const std::string& work, double scale) {
  make_work_folder(work);
  const std::uint64_t pages = scaled(scale, kPages, kLeastPages);
  std::string ps = "%!PS\n<< /PageSize [400 400] >> setpagedevice\n";
  ps += "/seed 1 def\n/rnd { seed 75 mul 74 add 65537 mod dup /seed exch def } def\n";
  ps += "/names 0 def\n/vsum 0 def\n/Helvetica findfont 9 scalefont setfont\n";
  ps += "1 1 " + std::to_string(pages) + " {\n";
  ps += "  /page exch def\n  /d 64 dict def\n";
  ps += "  1 1 " + std::to_string(kShapes) + " {\n";
  ps += "    pop\n";
  ps += "    rnd 65537 div rnd 65537 div rnd 65537 div setrgbcolor\n";
  ps += "    newpath rnd 400 mod rnd 400 mod moveto\n";
  ps += "    1 1 6 { pop rnd 400 mod rnd 400 mod lineto } for\n";
  ps += "    closepath fill\n";
  ps += "    d rnd 1000 mod 20 string cvs cvn rnd put\n";
  ps += "  } for\n";
  ps += "  0 0 0 setrgbcolor 10 10 moveto (page ) show page 10 string cvs show\n";
  ps += "  /names names d length add def\n";
  ps += "  d { exch pop vsum add 1000000 mod /vsum exch def } forall\n";
  ps += "  showpage\n} for\n";
  ps += "names =\nvsum =\n";
  write_work_file(work, "scene.ps", ps);

  Lcg rnd;
  std::uint64_t names = 0, vsum = 0;
  for (std::uint64_t page = 0; page < pages; ++page) {
    std::map<std::uint64_t, std::uint64_t> d;
    for (int shape = 0; shape < kShapes; ++shape) {
      for (int i = 0; i < 3 + 2 + 12; ++i) rnd.next();  // colour, moveto, six linetos
      const std::uint64_t key = rnd.next() % 1000;
      d[key] = rnd.next();
    }
    names += d.size();
    for (const auto& kv : d) vsum = (vsum + kv.second) % 1000000;
  }
  PreparedProgram p = run_in(
      work, "/usr/bin/gs",
      {"-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-sDEVICE=ppmraw", "-r72", "-sOutputFile=/dev/null", "scene.ps"});
  p.expected_stdout = std::to_string(names) + "\n" + std::to_string(vsum) + "\n";
  return p;
}

}  // namespace heapreplay::programs
