// leakscope's built-in YARA rules (`--yara builtin`): generic web shells and implants.
//
// These catch the common, unobfuscated shapes: a script that hands request input to an
// evaluator or a shell, a class loader fed from a request, a reverse shell, a download
// cradle. They do not catch packed or encrypted payloads, shells whose input arrives
// through an unusual channel, memory-only implants, or anything specific to one family:
// use vendor or community rule sets for those, beside these.

rule webshell_php_request_eval
{
    meta:
        description = "PHP code that evaluates or executes request input (one-line web shell)"
        author = "leakscope"
        reference = "docs/yara.md"
    strings:
        $call = /(eval|assert|system|shell_exec|passthru|exec|popen|proc_open|create_function)\s*\(\s*(@?\s*(base64_decode|gzinflate|str_rot13|gzuncompress)\s*\(\s*)*@?\s*\$_(POST|GET|REQUEST|COOKIE|SERVER|FILES)\s*\[/ nocase
        $php = "<?" ascii
    condition:
        $php and $call
}

rule webshell_asp_request_eval
{
    meta:
        description = "ASP or ASP.NET page that evaluates request input (China Chopper style)"
        author = "leakscope"
        reference = "docs/yara.md"
    strings:
        $eval = /<%@?[^%]{0,200}\b(eval|execute|executeglobal)\s*\(?\s*request(\.item|\.form|\.querystring)?\s*[\[\(]/ nocase
    condition:
        $eval
}

rule webshell_jsp_request_exec
{
    meta:
        description = "JSP page that runs a command or defines a class from request input"
        author = "leakscope"
        reference = "docs/yara.md"
    strings:
        $exec = /Runtime\.getRuntime\(\)\.exec\(\s*request\.getParameter\(/
        $pb = /new\s+ProcessBuilder\([^)]{0,80}request\.getParameter\(/
        $loader = "extends ClassLoader" ascii
        $define = "defineClass" ascii
        $req = "request.get" ascii
        $jsp = "<%" ascii
    condition:
        $jsp and ($exec or $pb or ($loader and $define and $req))
}

rule implant_script_reverse_shell
{
    meta:
        description = "Shell, Python or Perl one-liner that connects a shell to a remote host"
        author = "leakscope"
        reference = "docs/yara.md"
    strings:
        $bash = /(bash|sh)\s+-i\s*>&\s*\/dev\/tcp\/[0-9a-zA-Z.\-]+\/[0-9]{1,5}/
        $nc = /\b(nc|ncat|netcat)\b[^\n]{0,40}\s-e\s+\/bin\/(ba)?sh/
        $py = /socket\.socket\([^\n]{0,200}subprocess\.call\(\s*\[\s*["']\/bin\/(ba)?sh["']\s*,\s*["']-i["']/
        $perl = /perl\s+-e\s+['"]use Socket;[^\n]{0,200}exec\s*\(\s*["']\/bin\/sh/
    condition:
        any of them
}

rule implant_download_cradle
{
    meta:
        description = "Command that downloads and runs a payload in one step (PowerShell, certutil, curl or wget piped to a shell)"
        author = "leakscope"
        reference = "docs/yara.md"
    strings:
        $iex = /(iex|invoke-expression)\s*\(?\s*\(?\s*new-object\s+(system\.)?net\.webclient\)?\.downloadstring\(/ nocase
        $certutil = /certutil(\.exe)?\s+-urlcache\s+(-split\s+)?-f\s+https?:\/\// nocase
        $pipe = /(curl|wget)\s+[^\n|;]{0,200}https?:\/\/[^\n|;]{1,200}\|\s*(sudo\s+)?(ba)?sh\b/
    condition:
        any of them
}

rule implant_elf_reverse_shell
{
    meta:
        description = "Small ELF executable with the calls of a connect-back shell (socket, connect, dup2, /bin/sh)"
        author = "leakscope"
        reference = "docs/yara.md"
    strings:
        $sh = "/bin/sh" ascii
        $dup2 = "dup2" ascii
        $connect = "connect" ascii
        $socket = "socket" ascii
        $execve = "execve" ascii
    condition:
        uint32(0) == 0x464c457f and filesize < 2MB and $sh and $dup2 and $connect and ($socket or $execve)
}
