using System.CommandLine;

namespace FieldApp;

/// <summary>The signature commands (issue 14): sign and verify.</summary>
internal static class SignatureCommands
{
    public static IEnumerable<Command> Build(Func<ParseResult, Session> session)
    {
        var signId = new Argument<string>("ID") { Description = "The work order." };
        var signer = new Option<string>("--signer") { Description = "The customer's name, as they sign.", Required = true };
        var image = new Option<string>("--image") { Description = "A file holding the captured signature image (PNG, strokes...).", Required = true };
        var sign = new Command("sign", "Capture a customer's signature on a work order as this device shows it, signed with this install's key.") { signId, signer, image };
        sign.SetAction((r, ct) => Handlers.SignAsync(session(r), r.GetValue(signId)!, r.GetValue(signer)!, r.GetValue(image)!, ct));
        yield return sign;

        var verifyId = new Argument<string>("ID") { Description = "The work order." };
        var verify = new Command("verify", "Check every signature of a work order here, and whether its labour or parts changed since (exit 1 when one fails).") { verifyId };
        verify.SetAction((r, ct) => Handlers.VerifyAsync(session(r), r.GetValue(verifyId)!, ct));
        yield return verify;
    }
}
