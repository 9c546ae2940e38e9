using Quorum.Store.Auth;

namespace Quorum.Store.Snapshots;

/// <summary>
/// The auth section of a snapshot (version 3):
/// <code>
/// enabled    varint 0 or 1
/// token key  varint length + bytes (empty until auth is first enabled)
/// users      varint count, then per user in name order: name, generation (varint), PBKDF2
///            iterations (varint), salt and hash (varint length + bytes each), roles (varint count,
///            then names)
/// roles      varint count, then per role in name order: name, varint count of permissions, each a
///            prefix and an access (varint 1 read, 2 write, 3 both)
/// </code>
/// </summary>
internal static partial class SnapshotFormat
{
    private const int MaxAuthField = 1024 * 1024;

    private static void WriteAuth(SnapshotBlockWriter writer, AuthState auth)
    {
        writer.WriteVarint(auth.Enabled ? 1 : 0);
        writer.WriteWithLength(auth.TokenKey);
        writer.WriteVarint(auth.UserRecords.Count);
        foreach (var user in auth.UserRecords.Values)
        {
            writer.WriteString(user.Name);
            writer.WriteVarint(user.Generation);
            writer.WriteVarint(user.Password.Iterations);
            writer.WriteWithLength(user.Password.Salt);
            writer.WriteWithLength(user.Password.Hash);
            writer.WriteVarint(user.Roles.Length);
            foreach (var role in user.Roles)
                writer.WriteString(role);
        }

        writer.WriteVarint(auth.Roles.Count);
        foreach (var role in auth.Roles.Values)
        {
            writer.WriteString(role.Name);
            writer.WriteVarint(role.Permissions.Count);
            foreach (var permission in role.Permissions)
            {
                writer.WriteString(permission.Prefix);
                writer.WriteVarint((long)permission.Access);
            }
        }
    }

    private static AuthState ReadAuth(SnapshotBlockReader reader)
    {
        var enabled = reader.ReadVarint() switch
        {
            0 => false,
            1 => true,
            _ => throw new InvalidDataException("bad auth flag"),
        };
        var tokenKey = ReadBytes(reader);

        var users = new List<UserRecord>();
        for (var count = ReadCount(reader); count > 0; count--)
        {
            var name = reader.ReadString(MaxAuthField);
            var generation = ReadCount(reader);
            var iterations = ReadCount(reader);
            var password = new PasswordHash(iterations is > 0 and <= int.MaxValue ? (int)iterations : throw new InvalidDataException("bad password hash"), ReadBytes(reader), ReadBytes(reader));
            var roles = new string[(int)Math.Min(ReadCount(reader), 1 << 16)];
            for (var i = 0; i < roles.Length; i++)
                roles[i] = reader.ReadString(MaxAuthField);
            users.Add(new UserRecord(name, password, [.. roles], generation));
        }

        var roleList = new List<AuthRole>();
        for (var count = ReadCount(reader); count > 0; count--)
        {
            var name = reader.ReadString(MaxAuthField);
            var permissions = new PrefixAccess[(int)Math.Min(ReadCount(reader), 1 << 16)];
            for (var i = 0; i < permissions.Length; i++)
            {
                var prefix = reader.ReadString(MaxAuthField);
                var access = reader.ReadVarint() is var a and >= 1 and <= 3 ? (Access)a : throw new InvalidDataException("bad permission access");
                permissions[i] = new PrefixAccess(prefix, access);
            }

            roleList.Add(new AuthRole(name, permissions));
        }

        return AuthState.Create(enabled, users, roleList, tokenKey);
    }
}
