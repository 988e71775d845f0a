#!/usr/bin/perl
# SPDX-License-Identifier: GPL-2.0-or-later
#
# vnc-input.pl HOST PORT TEXT [X Y]: a real VNC client (Debian's Net::VNC,
# libnet-vnc-perl) types TEXT and Return, then, given X and Y, moves the
# pointer there and clicks the left button. Ends with a framebuffer update
# round trip: the server handles a client's messages in order, so once
# the update is back every event before it has been taken in.
# VNC_PASSWORD in the environment answers VNC authentication.
use strict;
use warnings;
use Net::VNC;

my ($host, $port, $text, $x, $y) = @ARGV;
die "usage: vnc-input.pl HOST PORT TEXT [X Y]\n" unless defined $text;

my $vnc = Net::VNC->new({ hostname => $host, port => $port,
                          password => $ENV{VNC_PASSWORD} // '' });
$vnc->depth(24);
$vnc->login();
printf "connected: %s, %dx%d\n", $vnc->name() // '', $vnc->width(),
    $vnc->height();

# Keysyms of printable ASCII are their code points; XK_Return is 0xff0d.
for my $c (split //, $text) {
    $vnc->send_key_event(ord $c);
}
$vnc->send_key_event(0xff0d);
print "sent '$text' and Return\n";
if (defined $y) {
    $vnc->mouse_move_to($x, $y);
    $vnc->mouse_click();
    print "clicked at $x,$y\n";
}
$vnc->capture();
