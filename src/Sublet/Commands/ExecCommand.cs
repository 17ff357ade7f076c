using System.CommandLine;
using System.Diagnostics;
using Sublet.Runtime;
using Sublet.Kubelet.Pods;
using Sublet.Runtime.State;

namespace Sublet.Cli.Commands;

/// <summary>
/// <c>sublet exec POD [-c NAME] [-i] [-t] -- CMD…</c>: runs a process in a running container
/// through <c>runc exec</c>, which takes the container's own process settings from its bundle
/// (user, capabilities, no_new_privs, seccomp, cgroup, namespaces; runc exec.go getProcess), so
/// the process is confined exactly as the container is. The exit code is passed through.
/// </summary>
internal static class ExecCommand
{
    public static Command Create()
    {
        var pod = new Argument<string>("pod") { Description = "Pod name (NAMESPACE/NAME) or id" };
        var cmd = new Argument<string[]>("command") { Arity = ArgumentArity.OneOrMore, Description = "Command and arguments (after --)" };
        var container = new Option<string?>("--container", "-c") { Description = "Container name (needed when the pod has several)" };
        var stdin = new Option<bool>("--stdin", "-i") { Description = "Pass stdin to the process" };
        var tty = new Option<bool>("--tty", "-t") { Description = "Allocate a terminal" };
        var command = new Command("exec", "Run a command in a running container") { pod, cmd, container, stdin, tty };
        command.SetAction(parse => Cli.Run(parse, ctx =>
        {
            var record = ctx.Store.FindPod(parse.GetValue(pod)!) ?? throw new NotFoundException($"pod \"{parse.GetValue(pod)}\" not found");
            var view = new PodStatus(ctx).View(record);
            var chosen = LogsCommand.Choose(record, view.Containers, parse.GetValue(container));
            if (chosen.State != ContainerState.Running)
            {
                throw new RuntimeFailure($"container \"{chosen.Name}\" of pod \"{record.Name}\" is not running ({chosen.State}): cannot exec in it");
            }
            var args = new List<string>(ctx.Oci.GlobalArgs) { "exec" };
            if (parse.GetValue(tty))
            {
                args.Add("--tty");
            }
            args.Add(chosen.Id);
            args.AddRange(parse.GetValue(cmd)!);
            var info = new ProcessStartInfo(ctx.Oci.Binary) { UseShellExecute = false, RedirectStandardInput = !parse.GetValue(stdin) && !parse.GetValue(tty) };
            foreach (var a in args)
            {
                info.ArgumentList.Add(a);
            }
            using var process = Process.Start(info)!;
            if (info.RedirectStandardInput)
            {
                process.StandardInput.Close(); // no -i: the process reads end of file, as with kubectl exec
            }
            process.WaitForExit();
            return process.ExitCode;
        }));
        return command;
    }
}
