// heapreplay plan --slurm: a sharded session as Slurm batch scripts. An
// array job runs one shard per task (--shard K/N, each on a whole node by
// default: timing wants a quiet machine), writing its fragment into a shared
// folder; a job that depends on the array merges the fragments into one
// report. docs/sharding.md, "On a Slurm cluster".
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "harness/cli/cli.h"
#include "harness/cli/program_suite.h"
#include "harness/process/spawn.h"
#include "reports/output_file.h"

namespace heapreplay::cli {

namespace {

namespace fs = std::filesystem;

const char* kPlanUsage =
    "--slurm --shards N --dir DIR [--partition P] [--time T] [--no-exclusive] -- bench|replay|run ARGS...";

}  // namespace

namespace {

// What `plan` was asked for.
struct PlanFlags {
  int shards = 0;
  std::string dir, partition, time_limit;
  bool no_exclusive = false;
  std::vector<std::string> session;  // after --: the session to shard
};

// The scripts of a plan: the array job, the merge that depends on it, and
// what submits both. `root` is the plan's folder, absolute; `self` this
// heapreplay, which every node must find there.
struct SlurmScripts {
  std::string array, merge, submit;
};

SlurmScripts slurm_scripts(const PlanFlags& f, const std::string& root, const std::string& self) {
  const std::string n = std::to_string(f.shards);
  std::string head = "#!/bin/bash\n";
  if (!f.partition.empty()) head += "#SBATCH --partition=" + f.partition + "\n";
  SlurmScripts s;
  s.array = head + "#SBATCH --job-name=heapreplay-shards\n#SBATCH --array=1-" + n + "\n";
  if (!f.no_exclusive) s.array += "#SBATCH --exclusive\n";
  if (!f.time_limit.empty()) s.array += "#SBATCH --time=" + f.time_limit + "\n";
  s.array += "#SBATCH --output=" + root + "/logs/shard-%a.out\n";
  s.array += "# Shard K of " + n + " of: heapreplay";
  for (const std::string& a : f.session) s.array += " " + shell_quoted(a);
  s.array += "\nset -euo pipefail\nexec " + shell_quoted(self);
  for (const std::string& a : f.session) s.array += " " + shell_quoted(a);
  s.array += " --shard \"${SLURM_ARRAY_TASK_ID}/" + n + "\" -o " + shell_quoted(root) +
             "/fragments/shard-\"${SLURM_ARRAY_TASK_ID}\".json\n";

  s.merge = head + "#SBATCH --job-name=heapreplay-merge\n#SBATCH --output=" + root + "/logs/merge.out\n";
  s.merge +=
      "# Runs after every task of the array ended, however it ended: a fragment\n"
      "# that is missing is named by the merge, which then writes nothing.\n"
      "set -euo pipefail\nexec " +
      shell_quoted(self) + " report merge " + shell_quoted(root) + "/fragments/shard-*.json -o " + shell_quoted(root) +
      "/report.json\n";

  s.submit =
      "#!/bin/sh\n# Submits the array job and, depending on it, the merge.\nset -eu\n"
      "array=$(sbatch --parsable " +
      shell_quoted(root + "/array.sbatch") +
      ")\n"
      "array=${array%%;*}\n"
      "merge=$(sbatch --parsable --dependency=afterany:\"$array\" " +
      shell_quoted(root + "/merge.sbatch") +
      ")\n"
      "echo \"heapreplay: array job $array (" +
      n + " shards), merge job ${merge%%;*}: the report will be " + root + "/report.json\"\n";
  return s;
}

// The flags, checked; throws UsageError. Returns false for --help.
bool parse_plan(const std::vector<std::string>& args, PlanFlags& f) {
  std::vector<std::string> ours;
  split_program_arguments(args, {"--shards", "--dir", "--partition", "--time"}, ours, f.session);
  bool slurm = false;
  po::options_description d("Options");
  d.add_options()("slurm", po::bool_switch(&slurm), "write Slurm batch scripts (the one engine so far)")(
      "shards", po::value(&f.shards), "how many shards: the array job's tasks")(
      "dir", po::value(&f.dir),
      "a folder every node can reach: the scripts, the fragments, the logs and the merged report go there")(
      "partition", po::value(&f.partition), "the Slurm partition (default: the cluster's default)")(
      "time", po::value(&f.time_limit), "each task's time limit, as sbatch --time takes it (e.g. 2:00:00)")(
      "no-exclusive", po::bool_switch(&f.no_exclusive),
      "let a task share its node (default: --exclusive, since timing wants a quiet machine)");
  po::positional_options_description pos;
  po::variables_map vm;
  if (!parse("plan", ours, d, pos, vm, kPlanUsage)) return false;
  if (!slurm) throw UsageError("say which engine: --slurm");
  if (f.shards < 1) throw UsageError("--shards needs a number of shards, at least 1");
  if (f.dir.empty()) throw UsageError("--dir needs a folder every node can reach");
  const std::vector<std::string>& session = f.session;
  if (session.empty() || (session[0] != "bench" && session[0] != "replay" && session[0] != "run"))
    throw UsageError("after -- comes the session to shard: bench, replay or run with its arguments");
  for (const std::string& a : session)
    if (a == "--shard" || a.rfind("--shard=", 0) == 0 || a == "-o" || a == "--output" || a.rfind("--output=", 0) == 0)
      throw UsageError("the session must not have " + a + ": plan gives each task its --shard and -o");
  for (const std::string& w : {f.partition, f.time_limit})
    if (w.find_first_of("\n\r") != std::string::npos) throw UsageError("--partition and --time are one line each");
  return true;
}

}  // namespace

int cmd_plan(const std::vector<std::string>& args) {
  PlanFlags f;
  if (!parse_plan(args, f)) return kExitOk;
  std::error_code ec;
  fs::create_directories(fs::path(f.dir) / "fragments", ec);
  if (!ec) fs::create_directories(fs::path(f.dir) / "logs", ec);
  if (ec) {
    std::cerr << "heapreplay plan: cannot make " << f.dir << "/fragments and logs: " << ec.message()
              << "; nothing written\n";
    return kExitOutputFailed;
  }
  const std::string root = fs::absolute(f.dir).lexically_normal().string();
  const SlurmScripts s = slurm_scripts(f, root, self_executable());
  try {
    write_file_atomically(root + "/array.sbatch", s.array);
    write_file_atomically(root + "/merge.sbatch", s.merge);
    write_file_atomically(root + "/submit.sh", s.submit);
  } catch (const std::runtime_error& e) {
    std::cerr << "heapreplay plan: " << e.what() << '\n';
    return kExitOutputFailed;
  }
  ::chmod((root + "/submit.sh").c_str(), 0755);
  std::cout << "heapreplay: wrote " << root << "/array.sbatch (" << f.shards
            << " shards), merge.sbatch and submit.sh; run " << root << "/submit.sh on a node that can submit jobs\n";
  return kExitOk;
}

}  // namespace heapreplay::cli
