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

int cmd_plan(const std::vector<std::string>& args) {
  std::vector<std::string> ours, session;
  split_program_arguments(args, {"--shards", "--dir", "--partition", "--time"}, ours, session);
  bool slurm = false, no_exclusive = false;
  int shards = 0;
  std::string dir, partition, time_limit;
  po::options_description d("Options");
  d.add_options()("slurm", po::bool_switch(&slurm), "write Slurm batch scripts (the one engine so far)")(
      "shards", po::value(&shards), "how many shards: the array job's tasks")(
      "dir", po::value(&dir),
      "a folder every node can reach: the scripts, the fragments, the logs and the merged report go there")(
      "partition", po::value(&partition), "the Slurm partition (default: the cluster's default)")(
      "time", po::value(&time_limit), "each task's time limit, as sbatch --time takes it (e.g. 2:00:00)")(
      "no-exclusive", po::bool_switch(&no_exclusive),
      "let a task share its node (default: --exclusive, since timing wants a quiet machine)");
  po::positional_options_description pos;
  po::variables_map vm;
  if (!parse("plan", ours, d, pos, vm, kPlanUsage)) return kExitOk;
  if (!slurm) throw UsageError("say which engine: --slurm");
  if (shards < 1) throw UsageError("--shards needs a number of shards, at least 1");
  if (dir.empty()) throw UsageError("--dir needs a folder every node can reach");
  if (session.empty() || (session[0] != "bench" && session[0] != "replay" && session[0] != "run"))
    throw UsageError("after -- comes the session to shard: bench, replay or run with its arguments");
  for (const std::string& a : session)
    if (a == "--shard" || a.rfind("--shard=", 0) == 0 || a == "-o" || a == "--output" || a.rfind("--output=", 0) == 0)
      throw UsageError("the session must not have " + a + ": plan gives each task its --shard and -o");
  for (const std::string& w : {partition, time_limit})
    if (w.find_first_of("\n\r") != std::string::npos) throw UsageError("--partition and --time are one line each");

  std::error_code ec;
  fs::create_directories(fs::path(dir) / "fragments", ec);
  if (!ec) fs::create_directories(fs::path(dir) / "logs", ec);
  if (ec) {
    std::cerr << "heapreplay plan: cannot make " << dir << "/fragments and logs: " << ec.message()
              << "; nothing written\n";
    return kExitOutputFailed;
  }
  const std::string root = fs::absolute(dir).lexically_normal().string();
  const std::string self = self_executable();
  const std::string n = std::to_string(shards);

  std::string head = "#!/bin/bash\n";
  if (!partition.empty()) head += "#SBATCH --partition=" + partition + "\n";
  std::string array = head + "#SBATCH --job-name=heapreplay-shards\n#SBATCH --array=1-" + n + "\n";
  if (!no_exclusive) array += "#SBATCH --exclusive\n";
  if (!time_limit.empty()) array += "#SBATCH --time=" + time_limit + "\n";
  array += "#SBATCH --output=" + root + "/logs/shard-%a.out\n";
  array += "# Shard K of " + n + " of: heapreplay";
  for (const std::string& a : session) array += " " + shell_quoted(a);
  array += "\nset -euo pipefail\nexec " + shell_quoted(self);
  for (const std::string& a : session) array += " " + shell_quoted(a);
  array += " --shard \"${SLURM_ARRAY_TASK_ID}/" + n + "\" -o " + shell_quoted(root) +
           "/fragments/shard-\"${SLURM_ARRAY_TASK_ID}\".json\n";

  std::string merge = head + "#SBATCH --job-name=heapreplay-merge\n#SBATCH --output=" + root + "/logs/merge.out\n";
  merge +=
      "# Runs after every task of the array ended, however it ended: a fragment\n"
      "# that is missing is named by the merge, which then writes nothing.\n"
      "set -euo pipefail\nexec " +
      shell_quoted(self) + " report merge " + shell_quoted(root) + "/fragments/shard-*.json -o " + shell_quoted(root) +
      "/report.json\n";

  std::string submit =
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
  try {
    write_file_atomically(root + "/array.sbatch", array);
    write_file_atomically(root + "/merge.sbatch", merge);
    write_file_atomically(root + "/submit.sh", submit);
  } catch (const std::runtime_error& e) {
    std::cerr << "heapreplay plan: " << e.what() << '\n';
    return kExitOutputFailed;
  }
  ::chmod((root + "/submit.sh").c_str(), 0755);
  std::cout << "heapreplay: wrote " << root << "/array.sbatch (" << n << " shards), merge.sbatch and submit.sh; run "
            << root << "/submit.sh on a node that can submit jobs\n";
  return kExitOk;
}

}  // namespace heapreplay::cli
