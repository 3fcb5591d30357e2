package cli

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/keyhouse-dev/keyhouse/client"
)

func newLoginCmd(env *Env) *cobra.Command {
	var f clientFlags
	var email, repository string
	var password, readStdin bool
	cmd := &cobra.Command{
		Use:   "login",
		Short: "Sign in and store a CLI token (0600) in your config directory",
		Long: `Sign in with the device flow: keyhouse login prints a code and a URL; open
the URL in a browser where you are signed in to the dashboard, check the code
and approve. With --password, sign in with your email and password instead
(read from the terminal without echo, or from standard input with
--password-stdin).

The CLI token is stored with mode 0600 in
$XDG_CONFIG_HOME/keyhouse/credentials.json (~/.config/keyhouse by default)
and used by later commands.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := f.client(env)
			if err != nil {
				return err
			}
			c.Token = ""
			if password || readStdin || email != "" {
				return passwordLogin(cmd, env, c, email, readStdin)
			}
			return deviceLogin(cmd, env, c, repository)
		},
	}
	f.bind(cmd)
	cmd.Flags().BoolVar(&password, "password", false, "sign in with email and password instead of the device flow")
	cmd.Flags().StringVar(&email, "email", "", "your email (implies --password)")
	cmd.Flags().BoolVar(&readStdin, "password-stdin", false, "read the password from standard input (implies --password)")
	cmd.Flags().StringVar(&repository, "repository", "", "owner/repo to show on the approval page")
	return cmd
}

func deviceLogin(cmd *cobra.Command, env *Env, c *client.Client, repository string) error {
	d, err := c.StartDevice(cmd.Context(), repository)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "To sign in, open %s\nand check that it shows the code %s\n", d.VerificationURIComplete, d.UserCode)
	fmt.Fprintln(env.Stdout, "Waiting for approval…")
	if _, err := c.WaitDevice(cmd.Context(), d); err != nil {
		return err
	}
	u, err := c.Me(cmd.Context())
	if err != nil {
		return err
	}
	p, err := saveCredentials(env.Getenv, &credentials{Server: c.BaseURL, Token: c.Token, Email: u.Email})
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "Signed in to %s as %s (%s). Token stored in %s.\n", c.BaseURL, u.Email, u.Role, p)
	return nil
}

func passwordLogin(cmd *cobra.Command, env *Env, c *client.Client, email string, readStdin bool) error {
	in := bufio.NewReader(env.Stdin)
	if email == "" {
		fmt.Fprint(env.Stderr, "Email: ")
		line, _ := in.ReadString('\n')
		email = strings.TrimSpace(line)
	}
	password, err := readPassword(env, in, readStdin)
	if err != nil {
		return err
	}
	res, err := c.Login(cmd.Context(), email, password)
	if err != nil {
		return err
	}
	p, err := saveCredentials(env.Getenv, &credentials{Server: c.BaseURL, Token: res.Token, Email: res.User.Email})
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "Signed in to %s as %s (%s). Token stored in %s.\n", c.BaseURL, res.User.Email, res.User.Role, p)
	return nil
}

func readPassword(env *Env, in *bufio.Reader, fromStdin bool) (string, error) {
	if file, ok := env.Stdin.(*os.File); ok && !fromStdin && term.IsTerminal(int(file.Fd())) {
		fmt.Fprint(env.Stderr, "Password: ")
		b, err := term.ReadPassword(int(file.Fd()))
		fmt.Fprintln(env.Stderr)
		return string(b), err
	}
	line, err := in.ReadString('\n')
	line = strings.TrimRight(line, "\r\n")
	if line == "" && err != nil {
		return "", errors.New("no password given on standard input")
	}
	return line, nil
}

func newLogoutCmd(env *Env) *cobra.Command {
	var f clientFlags
	cmd := &cobra.Command{
		Use:   "logout",
		Short: "Revoke the stored CLI token and forget it",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := f.client(env)
			if err != nil {
				return err
			}
			if err := c.Logout(cmd.Context()); err != nil && client.StatusOf(err) != 401 {
				return err
			}
			creds, _ := loadCredentials(env.Getenv)
			creds.Token = ""
			if _, err := saveCredentials(env.Getenv, creds); err != nil {
				return err
			}
			fmt.Fprintln(env.Stdout, "Signed out.")
			return nil
		},
	}
	f.bind(cmd)
	return cmd
}
