// Progress on stderr (tools/progress.h) for the long commands: silent when
// stderr is not a terminal (a pipe or a file, as in scripts and CI), drawn
// with --progress, drawn on a terminal (a pseudo-terminal from util-linux's
// `script`) unless --quiet or CONSILIUM_NO_PROGRESS, and never a byte of it
// on stdout: the --json document is the same with and without it.
#include <gtest/gtest.h>

#include <string>

#include "tests/testing/paths.h"
#include "tests/testing/temp_dir.h"
#include "tests/tools/demo_ledgers.h"

namespace consilium {
namespace {

class ProgressOutput : public testing::OnDemoLedger {
 protected:
  // `consilium ARGS --data DIR` with stdout and stderr in files (neither is
  // a terminal); *out and *err get them. The exit code.
  int Run(const std::string& args, std::string* out, std::string* err) {
    const std::string o = tmp_.Sub("out"), e = tmp_.Sub("err");
    int code = 0;
    testing::RunShell("(" + testing::ConsiliumBin() + " " + args + " --data " +
                          dir_ + " >" + o + " 2>" + e + "; echo $? >" +
                          tmp_.Sub("code") + ")",
                      &code);
    *out = testing::ReadText(o);
    *err = testing::ReadText(e);
    const std::string exit_code = testing::ReadText(tmp_.Sub("code"));
    return exit_code.empty() ? -1 : std::stoi(exit_code);
  }
  // The same on a pseudo-terminal (`script`): what the terminal showed,
  // stdout and stderr together.
  std::string OnTerminal(const std::string& env, const std::string& args) {
    int code = 0;
    std::string shown = testing::RunShell(
        "script -qec \"" + env + " " + testing::ConsiliumBin() + " " + args +
            " --data " + dir_ + " >/dev/null\" /dev/null",
        &code, /*with_stderr=*/false);
    EXPECT_EQ(code, 0) << shown;
    return shown;
  }

  testing::TempDir tmp_;
};

constexpr const char* kReport =
    "report --project dyspnoea-dx --replicates 20 --json";

TEST_F(ProgressOutput, ReportIsSilentOnStderrWhenItIsNotATerminal) {
  std::string out, err;
  ASSERT_EQ(Run(kReport, &out, &err), 0) << err;
  EXPECT_EQ(err, "");
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(out.front(), '{');
  // --progress draws it anyway, on stderr only: stdout is the same JSON.
  std::string forced_out, forced_err;
  ASSERT_EQ(Run(std::string(kReport) + " --progress", &forced_out, &forced_err),
            0);
  EXPECT_EQ(forced_out, out);
  // Every record, then the demo's two calibration batches.
  EXPECT_NE(forced_err.find("bootstrap ["), std::string::npos) << forced_err;
  EXPECT_NE(forced_err.find("3/3"), std::string::npos) << forced_err;
  EXPECT_EQ(forced_err.back(), '\n');
}

TEST_F(ProgressOutput, VerifyIsSilentOnStderrWhenItIsNotATerminal) {
  std::string out, err;
  ASSERT_EQ(Run("verify", &out, &err), 0) << out << err;
  EXPECT_EQ(err, "");
  EXPECT_EQ(out.rfind("OK: ", 0), 0u) << out;
  std::string forced_out, forced_err;
  ASSERT_EQ(Run("verify --progress", &forced_out, &forced_err), 0);
  EXPECT_EQ(forced_out, out);
  EXPECT_NE(forced_err.find("verifying ["), std::string::npos) << forced_err;
}

TEST_F(ProgressOutput, ATerminalSeesTheBarUnlessQuietOrTurnedOff) {
  EXPECT_NE(OnTerminal("", "verify").find("verifying ["), std::string::npos);
  EXPECT_NE(OnTerminal("", kReport).find("bootstrap ["), std::string::npos);
  EXPECT_EQ(OnTerminal("", "verify --quiet").find("verifying ["),
            std::string::npos);
  EXPECT_EQ(OnTerminal("CONSILIUM_NO_PROGRESS=1", "verify").find("verifying ["),
            std::string::npos);
}

}  // namespace
}  // namespace consilium
