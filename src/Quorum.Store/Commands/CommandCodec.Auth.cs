using System.Buffers;
using Quorum.Store.Auth;

namespace Quorum.Store.Commands;

/// <summary>
/// The auth commands' fields. A user: name, roles (varint count, then names), then a password flag
/// (0: keep the old one; 1: iterations, salt and hash follow). A role: name, then a varint count of
/// permissions, each a prefix and an access byte. Enabling: a flag byte, then the token key (empty
/// when none is offered).
/// </summary>
internal static partial class CommandCodec
{
    private static bool TryWriteAuth(ArrayBufferWriter<byte> writer, Command command)
    {
        switch (command)
        {
            case PutUserCommand user:
                WriteKind(writer, Kind.PutUser);
                WriteString(writer, user.Name);
                WriteVarint(writer, (ulong)user.Roles.Count);
                foreach (var role in user.Roles)
                    WriteString(writer, role);
                writer.Write([user.Password is null ? (byte)0 : (byte)1]);
                if (user.Password is { } password)
                {
                    WriteVarint(writer, (ulong)password.Iterations);
                    WriteBytes(writer, password.Salt);
                    WriteBytes(writer, password.Hash);
                }

                return true;
            case DeleteUserCommand user:
                WriteKind(writer, Kind.DeleteUser);
                WriteString(writer, user.Name);
                return true;
            case PutRoleCommand put:
                WriteKind(writer, Kind.PutRole);
                WriteString(writer, put.Role.Name);
                WriteVarint(writer, (ulong)put.Role.Permissions.Count);
                foreach (var permission in put.Role.Permissions)
                {
                    WriteString(writer, permission.Prefix);
                    writer.Write([(byte)permission.Access]);
                }

                return true;
            case DeleteRoleCommand role:
                WriteKind(writer, Kind.DeleteRole);
                WriteString(writer, role.Name);
                return true;
            case SetAuthEnabledCommand enable:
                WriteKind(writer, Kind.SetAuthEnabled);
                writer.Write([enable.Enabled ? (byte)1 : (byte)0]);
                WriteBytes(writer, enable.TokenKey ?? []);
                return true;
            default:
                return false;
        }
    }

    private static Command ReadAuth(Kind kind, ref SequenceReader<byte> reader)
    {
        switch (kind)
        {
            case Kind.PutUser:
                var name = ReadString(ref reader);
                var roles = new string[ReadLength(ref reader)];
                for (var i = 0; i < roles.Length; i++)
                    roles[i] = ReadString(ref reader);
                var password = ReadByte(ref reader) switch
                {
                    0 => null,
                    1 => new PasswordHash(checked((int)ReadVarint(ref reader)), ReadBytes(ref reader), ReadBytes(ref reader)),
                    var flag => throw new InvalidDataException($"Unknown password flag {flag} in log entry."),
                };
                return new PutUserCommand(name, password, roles);
            case Kind.DeleteUser:
                return new DeleteUserCommand(ReadString(ref reader));
            case Kind.PutRole:
                var roleName = ReadString(ref reader);
                var permissions = new PrefixAccess[ReadLength(ref reader)];
                for (var i = 0; i < permissions.Length; i++)
                    permissions[i] = new PrefixAccess(ReadString(ref reader), ReadAccess(ref reader));
                return new PutRoleCommand(new AuthRole(roleName, permissions));
            case Kind.DeleteRole:
                return new DeleteRoleCommand(ReadString(ref reader));
            default:
                var enabled = ReadByte(ref reader) == 1;
                var key = ReadBytes(ref reader);
                return new SetAuthEnabledCommand(enabled, key.Length == 0 ? null : key);
        }
    }

    private static Access ReadAccess(ref SequenceReader<byte> reader) => ReadByte(ref reader) switch
    {
        var b and >= 1 and <= 3 => (Access)b,
        var b => throw new InvalidDataException($"Unknown access {b} in log entry."),
    };
}
